// The best sellers and best customers of the period.
import { Link } from "react-router";
import { Card } from "../../components/ui";
import { count, money } from "../../components/format";
import { ReportView } from "./ReportView";
import { useTopCustomers, useTopProducts, type Period } from "./queries";

export function TopProductsCard({ days }: { days: Period }) {
  const query = useTopProducts(days);
  return (
    <Card title="Top products" actions={<Link to="/inventory">Inventory</Link>}>
      <ReportView query={query} isEmpty={(r) => r.rows.length === 0} empty={`No products sold in the last ${days} days.`}>
        {(report) => (
          <div className="table-wrap">
            <table className="table compact" aria-label={`Top products, last ${days} days`}>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="num">
                    Units
                  </th>
                  <th scope="col" className="num">
                    Revenue
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((row) => (
                  <tr key={row.sku}>
                    <td>
                      <Link to={`/inventory/${encodeURIComponent(row.sku)}`}>{row.name ?? row.sku}</Link>
                      <div className="muted mono small">{row.sku}</div>
                    </td>
                    <td className="num">{count(row.units)}</td>
                    <td className="num">{money(row.revenue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ReportView>
    </Card>
  );
}

export function TopCustomersCard({ days }: { days: Period }) {
  const query = useTopCustomers(days);
  return (
    <Card title="Top customers" actions={<Link to="/customers">Customers</Link>}>
      <ReportView query={query} isEmpty={(r) => r.rows.length === 0} empty={`No customer ordered in the last ${days} days.`}>
        {(report) => (
          <div className="table-wrap">
            <table className="table compact" aria-label={`Top customers, last ${days} days`}>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col" className="num">
                    Orders
                  </th>
                  <th scope="col" className="num">
                    Revenue
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((row) => (
                  <tr key={row.customer_id}>
                    <td>
                      <Link to={`/customers/${row.customer_id}`}>{row.name ?? "Unknown customer"}</Link>
                    </td>
                    <td className="num">{count(row.orders)}</td>
                    <td className="num">{money(row.revenue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ReportView>
    </Card>
  );
}
