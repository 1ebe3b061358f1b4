// A change against the previous period: arrow and colour say whether it is good news.
import { percent } from "../../lib/format";

export function Delta({ change, lowerIsBetter = false, period }: { change: string | null; lowerIsBetter?: boolean; period: string }) {
  if (change === null) return <span className="delta muted">No comparison for {period}</span>;
  const n = Number(change);
  if (n === 0) {
    return (
      <span className="delta muted">
        <span aria-hidden="true">● </span>No change vs {period}
      </span>
    );
  }
  const up = n > 0;
  const good = up !== lowerIsBetter;
  return (
    <span className={`delta ${good ? "delta-up" : "delta-down"}`}>
      <span aria-hidden="true">{up ? "▲" : "▼"} </span>
      <span className="sr-only">{up ? "Up" : "Down"} </span>
      {percent(change)} vs {period}
    </span>
  );
}
