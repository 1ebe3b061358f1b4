// One product: its stock figures, its settings, and its movement history. Figures follow
// the live stream, so a sale or a receipt elsewhere shows here without reloading.
import { useState, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { Can, useAuth } from "../../auth/AuthContext";
import { count, dateTime, money } from "../../lib/format";
import { Card, PageHeader, QueryView } from "../../components/ui";
import { fractionToPercent } from "../../lib/decimal";
import { useStock, type Stock } from "./queries";
import { MovementsCard } from "./MovementsCard";
import { EditProductDialog } from "./ProductDialogs";
import { StockActionDialog, type StockAction } from "./StockDialogs";
import { StockStatus } from "./StockTable";
import { useUrlOffset } from "../../lib/urlState";
import "./inventory.css";

function Figure({ name, value, note }: { name: string; value: string; note?: ReactNode }) {
  return (
    <Card>
      <div className="kpi" data-testid={`figure-${name.toLowerCase().replace(/ /g, "-")}`}>
        <span className="kpi-label">{name}</span>
        <span className="kpi-value">{value}</span>
        {note && <span className="muted inv-kpi-note">{note}</span>}
      </div>
    </Card>
  );
}

export default function ProductPage() {
  const sku = useParams().sku ?? "";
  const stock = useStock(sku);
  return (
    <QueryView
      query={stock}
      missing={{ text: "There is no product with this SKU.", back: "/inventory", backLabel: "Back to inventory" }}
    >
      {(s) => <Product stock={s} />}
    </QueryView>
  );
}

function Product({ stock: s }: { stock: Stock }) {
  const [offset, setOffset] = useUrlOffset();
  const [action, setAction] = useState<StockAction | null>(null);
  const [editing, setEditing] = useState(false);
  const { can } = useAuth();
  // The price and tax rate need `inventory:price`, the rest `inventory:write`: whoever holds
  // either may edit the part they hold.
  const canEdit = can("inventory:write") || can("inventory:price");
  return (
    <>
      <PageHeader
        title={s.name}
        subtitle={
          <>
            <Link to="/inventory">Inventory</Link> / <span className="mono">{s.sku}</span> · <StockStatus stock={s} />
          </>
        }
        actions={
          <>
            <Can permission="inventory:write">
              <button className="btn" type="button" onClick={() => setAction("receive")}>
                Receive
              </button>
              <button className="btn" type="button" onClick={() => setAction("adjust")}>
                Adjust
              </button>
            </Can>
            {canEdit && (
              <button className="btn" type="button" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
          </>
        }
      />
      <div className="stack">
        <div className="grid grid-4" data-testid="stock-figures">
          <Figure name="On hand" value={count(s.qty_on_hand)} />
          <Figure name="Reserved" value={count(s.reserved_qty)} note="held, not yet shipped" />
          <Figure name="Available" value={count(s.available)} note={s.low_stock ? "at or below reorder point" : undefined} />
          <Figure name="Reorder point" value={count(s.reorder_point)} note={`reorder ${count(s.reorder_qty)} units`} />
        </div>
        <Card title="Product">
          <dl className="inv-facts">
            <dt>Price (net)</dt>
            <dd>{money(s.price)}</dd>
            <dt>Tax rate</dt>
            <dd>{fractionToPercent(s.tax_rate)} %</dd>
            <dt>Reorder quantity</dt>
            <dd>{count(s.reorder_qty)}</dd>
            <dt>Lead time</dt>
            <dd>{count(s.lead_time_days)} days</dd>
            <dt>Sold on new orders</dt>
            <dd>{s.active ? "Yes" : "No — inactive"}</dd>
            {s.description && (
              <>
                <dt>Description</dt>
                <dd>{s.description}</dd>
              </>
            )}
            <dt>Last change</dt>
            <dd>{dateTime(s.updated_at)}</dd>
          </dl>
        </Card>
        <MovementsCard sku={s.sku} offset={offset} onPage={setOffset} />
      </div>
      <StockActionDialog action={action} stock={action ? s : null} onClose={() => setAction(null)} />
      <EditProductDialog stock={s} open={editing} onClose={() => setEditing(false)} />
    </>
  );
}
