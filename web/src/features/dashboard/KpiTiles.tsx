// The key figures of the period against the period before it.
import type { Schemas } from "../../api/client";
import { count, money, numberFormat } from "../../lib/format";
import { Delta } from "./Delta";
import { ReportView, type ReportQuery } from "./ReportView";
import type { Period } from "./queries";

type Figures = Schemas["KpiFigures"];
type Changes = Schemas["KpiChanges"];

const share = { format: (v: number) => numberFormat({ style: "percent", maximumFractionDigits: 1 }).format(v) };

function ratio(value: string | null, unit: string): string {
  return value === null ? "—" : `${value}${unit}`;
}

interface Tile {
  id: string;
  label: string;
  value: (f: Figures) => string;
  change?: keyof Changes;
  lowerIsBetter?: boolean;
  hint: string;
}

const TILES: Tile[] = [
  { id: "revenue", label: "Revenue", value: (f) => money(f.revenue), change: "revenue", hint: "Net sales of confirmed orders, before tax" },
  { id: "orders", label: "Orders", value: (f) => count(f.orders), change: "orders", hint: "Orders confirmed and not cancelled" },
  {
    id: "aov",
    label: "Avg. order value",
    value: (f) => money(f.average_order_value),
    change: "average_order_value",
    hint: "Revenue per order",
  },
  { id: "units", label: "Units sold", value: (f) => count(f.units), change: "units", hint: "Items on confirmed orders" },
  {
    id: "receivables",
    label: "Receivables",
    value: (f) => money(f.receivables),
    change: "receivables",
    lowerIsBetter: true,
    hint: "Owed by customers at the end of the period",
  },
  {
    id: "dso",
    label: "Days sales outstanding",
    value: (f) => ratio(f.days_sales_outstanding, " days"),
    change: "days_sales_outstanding",
    lowerIsBetter: true,
    hint: "How long customers take to pay; lower is better",
  },
  {
    id: "fill-rate",
    label: "Fill rate",
    // Intl formats the decimal string as it is; no float arithmetic on our side.
    value: (f) => (f.fill_rate === null ? "—" : share.format(f.fill_rate as unknown as number)),
    change: "fill_rate",
    hint: "Share of orders confirmed rather than rejected for want of stock",
  },
  {
    id: "stock-turnover",
    label: "Stock turnover",
    value: (f) => ratio(f.stock_turnover, "×"),
    change: "stock_turnover",
    hint: "Units sold per average unit on hand",
  },
];

export function KpiTiles({ query, days }: { query: ReportQuery<Schemas["KpiReport"]>; days: Period }) {
  const period = `previous ${days} days`;
  return (
    <ReportView query={query}>
      {(report) => (
        <div className="grid grid-4 kpi-grid">
          {TILES.map((tile) => (
            <section key={tile.id} className="card kpi kpi-tile" aria-labelledby={`kpi-${tile.id}-label`} title={tile.hint}>
              <h2 id={`kpi-${tile.id}-label`} className="kpi-label">
                {tile.label}
              </h2>
              <span className="kpi-value" data-testid={`kpi-${tile.id}`}>
                {tile.value(report.current)}
              </span>
              {tile.change && <Delta change={report.change_pct[tile.change]} lowerIsBetter={tile.lowerIsBetter} period={period} />}
              <span className="kpi-previous muted">Before: {tile.value(report.previous)}</span>
            </section>
          ))}
        </div>
      )}
    </ReportView>
  );
}
