// Revenue per hour or per day as bars. Bar heights are the only place a decimal string
// becomes a float; every figure a person reads is the API's own string through money().
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { count, money, numberFormat } from "../../lib/format";

export interface SalesPoint {
  key: string;
  /** Short axis label, e.g. "14:00" or "3 Mar". */
  tick: string;
  /** Full label for the tooltip and the screen-reader table. */
  label: string;
  revenue: string;
  orders: number;
}

const compact = { format: (v: number) => numberFormat({ notation: "compact", maximumFractionDigits: 1 }).format(v) };

function SalesTooltip({ active, payload }: TooltipContentProps) {
  const point = active ? (payload?.[0]?.payload as (SalesPoint & { value: number }) | undefined) : undefined;
  if (!point) return null;
  return (
    <div className="chart-tooltip">
      <strong>{point.label}</strong>
      <span>{money(point.revenue)}</span>
      <span className="muted">
        {count(point.orders)} {point.orders === 1 ? "order" : "orders"}
      </span>
    </div>
  );
}

export function SalesChart({ points, summary, caption }: { points: SalesPoint[]; summary: string; caption: string }) {
  const data = points.map((p) => ({ ...p, value: Number(p.revenue) }));
  return (
    <figure className="chart-figure">
      <div role="img" aria-label={summary} className="chart">
        <BarChart responsive accessibilityLayer={false} style={{ width: "100%", height: "100%" }} data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="tick" tickLine={false} axisLine={false} minTickGap={12} tick={{ fill: "#526074", fontSize: 12 }} />
          <YAxis width={48} tickLine={false} axisLine={false} tickFormatter={(v: number) => compact.format(v)} tick={{ fill: "#526074", fontSize: 12 }} />
          <Tooltip content={SalesTooltip} cursor={{ fill: "rgba(29, 78, 216, 0.08)" }} />
          <Bar dataKey="value" name="Revenue" fill="#1d4ed8" radius={[3, 3, 0, 0]} maxBarSize={36} isAnimationActive={false} />
        </BarChart>
      </div>
      <table className="sr-only">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col">Orders</th>
            <th scope="col">Revenue</th>
          </tr>
        </thead>
        <tbody>
          {points
            .filter((p) => p.orders !== 0)
            .map((p) => (
              <tr key={p.key}>
                <td>{p.label}</td>
                <td>{count(p.orders)}</td>
                <td>{money(p.revenue)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}
