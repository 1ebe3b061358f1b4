// Where an order stands in the workflow. Steps count as reached from the current status and
// from the recorded history, so an order cancelled after invoicing shows how far it got.
import { dateTime, label } from "../../lib/format";
import type { Order, OrderStatus } from "./queries";

const STEPS: OrderStatus[] = ["placed", "confirmed", "invoiced", "paid", "shipped", "completed"];
const STOPPED: OrderStatus[] = ["rejected", "cancelled"];

export function StatusTimeline({ order }: { order: Order }) {
  const when = new Map<string, string>();
  for (const change of order.history) when.set(change.to_status, change.at);
  const stopped = STOPPED.includes(order.status);
  const position = STEPS.indexOf(order.status);
  const reached = STEPS.filter((step, i) => when.has(step) || i <= position || step === "placed");
  const shown = stopped ? reached : STEPS;
  const reason = order.status_reason || order.history.at(-1)?.reason || "";

  return (
    <ol className="timeline orders-timeline" aria-label="Status timeline">
      {shown.map((step) => {
        const done = reached.includes(step);
        const current = !stopped && step === order.status;
        return (
          <li key={step} className={done ? "done" : undefined} aria-current={current ? "step" : undefined} data-step={step}>
            {label(step)}
            <span className="sr-only">{done ? " (reached)" : " (not reached)"}</span>
            {when.has(step) && <small>{dateTime(when.get(step))}</small>}
          </li>
        );
      })}
      {stopped && (
        <li className="stopped" aria-current="step" data-step={order.status}>
          {label(order.status)}
          <small>{[reason, dateTime(when.get(order.status))].filter((x) => x && x !== "—").join(" · ")}</small>
        </li>
      )}
    </ol>
  );
}
