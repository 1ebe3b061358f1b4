// Receiving goods and correcting a count. Both go to the server, which refuses anything
// that would leave less on hand than is reserved; its answer is shown on the field.
import { useState, type FormEvent, type ReactNode } from "react";
import { api, call } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { count } from "../../lib/format";
import { Field, FormActions, FormProblem } from "../../components/ui";
import { attachTo, wholeNumber } from "./formValues";
import { useChange } from "../../lib/useChange";
import type { Stock } from "./queries";

export type StockAction = "receive" | "adjust";

export function StockActionDialog({ action, stock, onClose }: { action: StockAction | null; stock: Stock | null; onClose: () => void }) {
  const open = action !== null && stock !== null;
  const title = action === "adjust" ? "Adjust stock" : "Receive stock";
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      {open && action === "receive" && <ReceiveForm sku={stock.sku} summary={<Summary stock={stock} />} onCancel={onClose} onDone={onClose} />}
      {open && action === "adjust" && <AdjustForm stock={stock} onDone={onClose} />}
    </Dialog>
  );
}

function Summary({ stock }: { stock: Stock }) {
  return (
    <p className="muted inv-summary">
      <span className="mono">{stock.sku}</span> · {stock.name} · {count(stock.qty_on_hand)} on hand, {count(stock.reserved_qty)} reserved
    </p>
  );
}

/** Goods received for SKU: the quantity (SUGGESTED_QTY filled in, when there is one) and
 * why, which is DEFAULT_REASON when left empty. ON_DONE gets the stock as it now stands. */
export function ReceiveForm({
  sku,
  summary,
  suggestedQty,
  defaultReason = "receipt",
  onCancel,
  onDone,
}: {
  sku: string;
  summary: ReactNode;
  suggestedQty?: number;
  defaultReason?: string;
  onCancel: () => void;
  onDone: (stock: Stock, qty: number) => void;
}) {
  const [qty, setQty] = useState(suggestedQty === undefined ? "" : String(suggestedQty));
  const [reason, setReason] = useState("");
  const mutation = useChange(
    [["inventory"]],
    (amount: number) => call(api.POST("/inventory/{sku}/receive", { params: { path: { sku } }, body: { qty: amount, reason: reason.trim() || defaultReason } })),
    onDone,
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate(wholeNumber(qty) as number);
  };
  return (
    <form onSubmit={submit} noValidate className="stack">
      {summary}
      <Field
        label="Quantity received"
        name="qty"
        inputMode="numeric"
        value={qty}
        onChange={(e) => setQty(e.target.value)}
        problem={mutation.error}
        hint={suggestedQty === undefined ? undefined : `Suggested: ${suggestedQty}`}
        autoFocus
      />
      <Field label="Reason" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} problem={mutation.error} placeholder={defaultReason} hint="A delivery note or supplier reference helps later." />
      <FormProblem problem={mutation.error} fields={["qty", "reason"]} />
      <FormActions onCancel={onCancel} pending={mutation.isPending} label="Receive" pendingLabel="Receiving…" />
    </form>
  );
}

function AdjustForm({ stock, onDone }: { stock: Stock; onDone: () => void }) {
  const [delta, setDelta] = useState("");
  const [reason, setReason] = useState("");
  const mutation = useChange(
    [["inventory"]],
    () => call(api.POST("/inventory/{sku}/adjust", { params: { path: { sku: stock.sku } }, body: { delta: wholeNumber(delta) as number, reason } })),
    onDone,
  );
  // A refusal for lack of stock names no field, but it is the change that was refused.
  const problem = attachTo(mutation.error, "delta");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <form onSubmit={submit} noValidate className="stack">
      <Summary stock={stock} />
      <Field
        label="Change in quantity"
        name="delta"
        value={delta}
        onChange={(e) => setDelta(e.target.value)}
        problem={problem}
        hint="Negative to remove units, e.g. -3 for damaged goods."
        autoFocus
      />
      <Field label="Reason" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} problem={problem} placeholder="stock count, damage, …" />
      <FormProblem problem={problem} fields={["delta", "reason"]} />
      <FormActions onCancel={onDone} pending={mutation.isPending} label="Adjust" pendingLabel="Saving…" />
    </form>
  );
}
