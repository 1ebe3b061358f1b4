// The best sellers and best customers of the period.
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { DataTable } from "../../components/DataTable";
import { count, money } from "../../lib/format";
import { Card } from "../../components/ui";
import { ReportView } from "./ReportView";
import { useTopCustomers, useTopProducts, type Period } from "./queries";

type ProductRow = Schemas["TopProductsReport"]["rows"][number];
type CustomerRow = Schemas["TopCustomersReport"]["rows"][number];

export function TopProductsCard({ days }: { days: Period }) {
  const query = useTopProducts(days);
  return (
    <Card title="Top products" actions={<Link to="/inventory">Inventory</Link>}>
      <ReportView query={query} isEmpty={(r) => r.rows.length === 0} empty={`No products sold in the last ${days} days.`}>
        {(report) => (
          <DataTable<ProductRow>
            className="table compact"
            label={`Top products, last ${days} days`}
            rows={report.rows}
            rowKey={(row) => row.sku}
            columns={[
              {
                header: "Product",
                cell: (row) => (
                  <>
                    <Link to={`/inventory/${encodeURIComponent(row.sku)}`}>{row.name ?? row.sku}</Link>
                    <div className="muted mono small">{row.sku}</div>
                  </>
                ),
              },
              { header: "Units", numeric: true, cell: (row) => count(row.units) },
              { header: "Revenue", numeric: true, cell: (row) => money(row.revenue) },
            ]}
          />
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
          <DataTable<CustomerRow>
            className="table compact"
            label={`Top customers, last ${days} days`}
            rows={report.rows}
            rowKey={(row) => row.customer_id}
            columns={[
              { header: "Customer", cell: (row) => <Link to={`/customers/${row.customer_id}`}>{row.name ?? "Unknown customer"}</Link> },
              { header: "Orders", numeric: true, cell: (row) => count(row.orders) },
              { header: "Revenue", numeric: true, cell: (row) => money(row.revenue) },
            ]}
          />
        )}
      </ReportView>
    </Card>
  );
}
