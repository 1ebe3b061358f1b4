// The stock list: one row per product, low stock highlighted, with the row's stock actions
// for users allowed to move stock.
import { Link } from "react-router";
import { useAuth } from "../../auth/AuthContext";
import { count, money } from "../../lib/format";
import { StatusBadge } from "../../components/ui";
import type { Stock } from "./queries";
import type { StockAction } from "./StockDialogs";

export function StockStatus({ stock }: { stock: Stock }) {
  if (!stock.active) return <StatusBadge status="inactive" text="Inactive" />;
  if (stock.low_stock) return <StatusBadge status="low" text="Low stock" />;
  return <StatusBadge status="paid" text="In stock" />;
}

export function StockTable({ items, onAction }: { items: Stock[]; onAction: (action: StockAction, stock: Stock) => void }) {
  const canWrite = useAuth().can("inventory:write");
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Product</th>
            <th scope="col" className="num inv-optional">
              Price
            </th>
            <th scope="col" className="num">
              On hand
            </th>
            <th scope="col" className="num inv-optional">
              Reserved
            </th>
            <th scope="col" className="num">
              Available
            </th>
            <th scope="col" className="num inv-optional">
              Reorder point
            </th>
            <th scope="col">Status</th>
            {canWrite && (
              <th scope="col" className="inv-actions-head">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.sku} className={s.low_stock ? "row-alert" : undefined} data-sku={s.sku}>
              <td className="mono">
                <Link to={`/inventory/${encodeURIComponent(s.sku)}`}>{s.sku}</Link>
              </td>
              <td>{s.name}</td>
              <td className="num inv-optional">{money(s.price)}</td>
              <td className="num">{count(s.qty_on_hand)}</td>
              <td className="num inv-optional">{count(s.reserved_qty)}</td>
              <td className="num">
                <strong>{count(s.available)}</strong>
              </td>
              <td className="num inv-optional">{count(s.reorder_point)}</td>
              <td>
                <StockStatus stock={s} />
              </td>
              {canWrite && (
                <td>
                  <div className="inv-actions">
                    <button className="btn btn-small" type="button" aria-label={`Receive ${s.sku}`} onClick={() => onAction("receive", s)}>
                      Receive
                    </button>
                    <button className="btn btn-small" type="button" aria-label={`Adjust ${s.sku}`} onClick={() => onAction("adjust", s)}>
                      Adjust
                    </button>
                  </div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
