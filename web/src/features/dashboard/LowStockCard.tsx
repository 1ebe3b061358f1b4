// Products at or below their reorder point, the largest shortfall first.
import { Link } from "react-router";
import { Card } from "../../components/ui";
import { count } from "../../components/format";
import { ReportView } from "./ReportView";
import { useLowStock } from "./queries";

const SHOWN = 8;

export function LowStockCard() {
  const query = useLowStock();
  const total = query.data?.rows.length ?? 0;
  return (
    <Card
      title="Low stock"
      actions={<Link to="/inventory?low=1">{total > SHOWN ? `All ${count(total)} low on stock` : "Inventory"}</Link>}
    >
      <ReportView query={query} isEmpty={(r) => r.rows.length === 0} empty="Every product is above its reorder point.">
        {(report) => {
          const rows = [...report.rows].sort((a, b) => b.shortfall - a.shortfall || a.available - b.available).slice(0, SHOWN);
          return (
            <div className="table-wrap">
              <table className="table compact low-stock" aria-label="Products at or below their reorder point">
                <thead>
                  <tr>
                    <th scope="col">Product</th>
                    <th scope="col" className="num">
                      On hand
                    </th>
                    <th scope="col" className="num">
                      Reserved
                    </th>
                    <th scope="col" className="num">
                      Available
                    </th>
                    <th scope="col" className="num">
                      Reorder point
                    </th>
                    <th scope="col" className="num">
                      Reorder qty
                    </th>
                    <th scope="col" className="num">
                      Lead time
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.sku} className={row.available <= 0 ? "row-alert" : undefined}>
                      <td>
                        <Link to={`/inventory/${encodeURIComponent(row.sku)}`}>{row.name}</Link>
                        <div className="muted mono small">{row.sku}</div>
                      </td>
                      <td className="num">{count(row.on_hand)}</td>
                      <td className="num">{count(row.reserved)}</td>
                      <td className="num">
                        <span className={row.available <= 0 ? "badge badge-bad" : "badge badge-warn"}>{count(row.available)}</span>
                      </td>
                      <td className="num">{count(row.reorder_point)}</td>
                      <td className="num">{count(row.reorder_qty)}</td>
                      <td className="num">{count(row.lead_time_days)} days</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </ReportView>
    </Card>
  );
}
