// Open receivables per bucket as coloured bars; the amounts people read are in the table below it.
import { Bar, BarChart, CartesianGrid, Cell, XAxis, YAxis } from "recharts";
import { numberFormat } from "../../lib/format";

export interface AgingPoint {
  key: string;
  tick: string;
  colour: string;
  /** Bar height only. */
  value: number;
}

const compact = { format: (v: number) => numberFormat({ notation: "compact", maximumFractionDigits: 1 }).format(v) };

export function AgingChart({ points, label }: { points: AgingPoint[]; label: string }) {
  return (
    <div role="img" aria-label={label} className="chart chart-short">
      <BarChart responsive accessibilityLayer={false} style={{ width: "100%", height: "100%" }} data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="tick" tickLine={false} axisLine={false} interval={0} tick={{ fill: "#526074", fontSize: 12 }} />
        <YAxis width={48} tickLine={false} axisLine={false} tickFormatter={(v: number) => compact.format(v)} tick={{ fill: "#526074", fontSize: 12 }} />
        <Bar dataKey="value" radius={[3, 3, 0, 0]} maxBarSize={56} isAnimationActive={false}>
          {points.map((point) => (
            <Cell key={point.key} fill={point.colour} />
          ))}
        </Bar>
      </BarChart>
    </div>
  );
}
