// The moves a person may make on an order: cancel it (with a reason), mark it shipped once
// paid, and completed once shipped. The other moves are made by stock and billing.
import { useState, type FormEvent } from "react";
import { api, call } from "../../api/client";
import { Can, useAuth } from "../../auth/AuthContext";
import { Dialog } from "../../components/Dialog";
import { Field, FormProblem } from "../../components/ui";
import { useChange } from "../../lib/useChange";
import { orderKey, type Order, type OrderStatus } from "./queries";

// Mirrors the server's workflow for which buttons to offer; the server still decides.
const CANCELLABLE: OrderStatus[] = ["placed", "confirmed", "invoiced", "paid"];
// Cancelling an invoiced order voids or credits its invoice: that needs `billing:write` too.
const INVOICED: OrderStatus[] = ["invoiced", "paid"];
const NEXT_BY_HAND: Partial<Record<OrderStatus, { status: OrderStatus; text: string }>> = {
  paid: { status: "shipped", text: "Mark shipped" },
  shipped: { status: "completed", text: "Mark completed" },
};

/** A move of an order: its page shows the answer at once; what the move touches refreshes. */
function useOrderMove<Input>(send: (input: Input) => Promise<Order>, onDone?: () => void) {
  return useChange([["orders"], ["billing"], ["inventory"]], send, onDone && (() => onDone()), (saved) => orderKey(saved.id));
}

export function OrderActions({ order }: { order: Order }) {
  const [cancelling, setCancelling] = useState(false);
  const next = NEXT_BY_HAND[order.status];
  const { can } = useAuth();
  const cancellable = CANCELLABLE.includes(order.status) && (!INVOICED.includes(order.status) || can("billing:write"));
  const move = useOrderMove((status: OrderStatus) =>
    call(api.PATCH("/orders/{order_id}", { params: { path: { order_id: order.id } }, body: { status, reason: "" } })),
  );
  if (!next && !cancellable) return null;

  return (
    <Can permission="orders:write">
      <div className="row">
        {move.error ? (
          <span className="field-error" role="alert">
            {move.error.message}
          </span>
        ) : null}
        {next && (
          <button className="btn btn-primary" type="button" disabled={move.isPending} onClick={() => move.mutate(next.status)}>
            {move.isPending ? "Saving…" : next.text}
          </button>
        )}
        {cancellable && (
          <button className="btn btn-danger" type="button" onClick={() => setCancelling(true)}>
            Cancel order
          </button>
        )}
      </div>
      <CancelDialog order={order} open={cancelling} onClose={() => setCancelling(false)} />
    </Can>
  );
}

function CancelDialog({ order, open, onClose }: { order: Order; open: boolean; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const cancel = useOrderMove(
    () => call(api.POST("/orders/{order_id}/cancel", { params: { path: { order_id: order.id } }, body: { reason: reason.trim() } })),
    () => {
      setReason("");
      onClose();
    },
  );
  const close = () => {
    cancel.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    cancel.mutate();
  };
  const billed = order.status === "invoiced" || order.status === "paid";

  return (
    <Dialog open={open} title={`Cancel order ${order.number}`} onClose={close}>
      <form className="stack" onSubmit={submit}>
        <p className="muted" style={{ margin: 0 }}>
          The reserved stock is released.{" "}
          {billed ? "Its invoice is voided, or credited for what was already paid." : "No invoice has been issued yet."}
        </p>
        <Field
          label="Reason"
          name="reason"
          problem={cancel.error}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          hint="Shown in the order's history."
          autoFocus
        />
        <FormProblem problem={cancel.error} fields={["reason"]} />
        <div className="form-actions">
          <button className="btn" type="button" onClick={close}>
            Keep order
          </button>
          <button className="btn btn-danger" type="submit" disabled={cancel.isPending}>
            {cancel.isPending ? "Cancelling…" : "Cancel order"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
