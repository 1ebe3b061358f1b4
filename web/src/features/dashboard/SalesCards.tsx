// Sales over the last 24 hours and over the period, as bar charts.
import { Card } from "../../components/ui";
import { count, dateFormat, money } from "../../lib/format";
import { ReportView } from "./ReportView";
import { SalesChart } from "./LazyCharts";
import type { SalesPoint } from "./SalesChart";
import { useSalesDaily, useSalesHourly, type Period } from "./queries";

const hourTick = { format: (d: Date | number) => dateFormat({ hour: "2-digit", minute: "2-digit" }).format(d) };
const hourLabel = { format: (d: Date | number) => dateFormat({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(d) };
const dayTick = { format: (d: Date | number) => dateFormat({ day: "numeric", month: "short" }).format(d) };
const dayLabel = { format: (d: Date | number) => dateFormat({ weekday: "short", day: "numeric", month: "short", year: "numeric" }).format(d) };

/** The API's hours are UTC without a zone; read them as UTC and show local time. */
function utc(value: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

function Totals({ orders, revenue }: { orders: number; revenue: string }) {
  return (
    <span className="muted chart-total">
      <strong className="chart-total-value">{money(revenue)}</strong> · {count(orders)} {orders === 1 ? "order" : "orders"}
    </span>
  );
}

export function HourlySalesCard() {
  const query = useSalesHourly(24);
  return (
    <Card title="Sales, last 24 hours" actions={query.data && <Totals {...query.data.totals} />}>
      <ReportView query={query} isEmpty={(r) => r.totals.orders === 0 && r.rows.every((row) => row.orders === 0)} empty="No sales in the last 24 hours.">
        {(report) => {
          const points: SalesPoint[] = report.rows.map((row) => {
            const at = utc(row.hour);
            return { key: row.hour, tick: hourTick.format(at), label: hourLabel.format(at), revenue: row.revenue, orders: row.orders };
          });
          return (
            <SalesChart
              points={points}
              caption="Sales per hour, last 24 hours"
              summary={`Bar chart of revenue per hour over the last 24 hours: ${money(report.totals.revenue)} from ${count(report.totals.orders)} orders.`}
            />
          );
        }}
      </ReportView>
    </Card>
  );
}

export function DailySalesCard({ days }: { days: Period }) {
  const query = useSalesDaily(days);
  return (
    <Card title={`Sales, last ${days} days`} actions={query.data && <Totals {...query.data.totals} />}>
      <ReportView query={query} isEmpty={(r) => r.totals.orders === 0 && r.rows.every((row) => row.orders === 0)} empty={`No sales in the last ${days} days.`}>
        {(report) => {
          const points: SalesPoint[] = report.rows.map((row) => {
            const at = new Date(`${row.day}T00:00:00`);
            return { key: row.day, tick: dayTick.format(at), label: dayLabel.format(at), revenue: row.revenue, orders: row.orders };
          });
          return (
            <SalesChart
              points={points}
              caption={`Sales per day, last ${days} days`}
              summary={`Bar chart of revenue per day over the last ${days} days: ${money(report.totals.revenue)} from ${count(report.totals.orders)} orders.`}
            />
          );
        }}
      </ReportView>
    </Card>
  );
}
