// Products at or below their reorder point, the largest shortfall first.
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { DataTable } from "../../components/DataTable";
import { Card } from "../../components/ui";
import { count } from "../../lib/format";
import { ReportView } from "./ReportView";
import { useLowStock } from "./queries";

const SHOWN = 8;
type Row = Schemas["LowStockReport"]["rows"][number];

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
            <DataTable<Row>
              className="table compact low-stock"
              label="Products at or below their reorder point"
              rows={rows}
              rowKey={(row) => row.sku}
              rowClassName={(row) => (row.available <= 0 ? "row-alert" : undefined)}
              columns={[
                {
                  header: "Product",
                  cell: (row) => (
                    <>
                      <Link to={`/inventory/${encodeURIComponent(row.sku)}`}>{row.name}</Link>
                      <div className="muted mono small">{row.sku}</div>
                    </>
                  ),
                },
                { header: "On hand", numeric: true, cell: (row) => count(row.on_hand) },
                { header: "Reserved", numeric: true, cell: (row) => count(row.reserved) },
                {
                  header: "Available",
                  numeric: true,
                  cell: (row) => <span className={row.available <= 0 ? "badge badge-bad" : "badge badge-warn"}>{count(row.available)}</span>,
                },
                { header: "Reorder point", numeric: true, cell: (row) => count(row.reorder_point) },
                { header: "Reorder qty", numeric: true, cell: (row) => count(row.reorder_qty) },
                { header: "Lead time", numeric: true, cell: (row) => `${count(row.lead_time_days)} days` },
              ]}
            />
          );
        }}
      </ReportView>
    </Card>
  );
}
