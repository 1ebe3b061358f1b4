// Recording money that moved: a customer's payment against the balance, or a refund paid
// back out of what credit notes left owed. One Idempotency-Key per opening of the dialog,
// so a double submit or a retry after a lost answer records the money once.
import { useState, type FormEvent } from "react";
import { api, call, type Schemas } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { formatting, label, money } from "../../lib/format";
import { Field, FormProblem, SelectField } from "../../components/ui";
import { decimalInput, fromCents, toCents } from "../../lib/decimal";
import { newIdempotencyKey } from "../../api/idempotency";
import { useChange } from "../../lib/useChange";
import { INVOICE_CHANGES, PAYMENT_METHODS, type PaymentMethod } from "./queries";

type Kind = "payment" | "refund";

interface Props {
  kind: Kind;
  invoice: Schemas["InvoiceRead"];
  open: boolean;
  onClose: () => void;
  onDone: (message: string) => void;
}

export function PayDialog({ kind, invoice, open, onClose, onDone }: Props) {
  const title = kind === "payment" ? `Record payment on ${invoice.number}` : `Pay refund on ${invoice.number}`;
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <PayForm kind={kind} invoice={invoice} onClose={onClose} onDone={onDone} />
    </Dialog>
  );
}

function PayForm({ kind, invoice, onClose, onDone }: Omit<Props, "open">) {
  const limit = kind === "payment" ? invoice.balance : invoice.refund_due;
  const [key] = useState(newIdempotencyKey);
  const [amount, setAmount] = useState(limit);
  const [method, setMethod] = useState<PaymentMethod>("bank_transfer");
  const [reference, setReference] = useState("");

  const mutation = useChange(
    INVOICE_CHANGES,
    (): Promise<{ amount: string }> => {
      const path = { invoice_id: invoice.id };
      const headers = { "Idempotency-Key": key };
      const body = { amount: decimalInput(amount, formatting().locale) ?? "", method, reference: reference.trim() };
      return kind === "payment"
        ? call(api.POST("/billing/invoices/{invoice_id}/pay", { params: { path }, body, headers }))
        : call(api.POST("/billing/invoices/{invoice_id}/refunds", { params: { path }, body, headers }));
    },
    (receipt) => {
      onDone(kind === "payment" ? `Payment of ${money(receipt.amount)} recorded.` : `Refund of ${money(receipt.amount)} recorded.`);
      onClose();
    },
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!mutation.isPending) mutation.mutate();
  }

  // What the amount would leave, shown while typing; the server decides what is allowed.
  const typed = toCents(amount, formatting().locale);
  const left = toCents(limit);
  const after = typed !== null && left !== null ? fromCents(left - typed) : null;
  const hint =
    after === null
      ? `${kind === "payment" ? "Balance due" : "Owed to the customer"}: ${money(limit)}`
      : `${kind === "payment" ? "Balance due" : "Owed to the customer"}: ${money(limit)} · leaves ${money(after)}`;

  return (
    <form onSubmit={submit} noValidate>
      <p className="dialog-lead muted">
        {invoice.customer_name} · total {money(invoice.total)}
      </p>
      <div className="form-grid">
        <Field
          label="Amount"
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          required
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          problem={mutation.error}
          hint={hint}
        />
        <SelectField label="Method" name="method" value={method} onChange={(e) => setMethod(e.target.value as PaymentMethod)} problem={mutation.error}>
          {PAYMENT_METHODS.map((m) => (
            <option key={m} value={m}>
              {label(m)}
            </option>
          ))}
        </SelectField>
        <div className="wide">
          <Field
            label="Reference"
            name="reference"
            autoComplete="off"
            maxLength={200}
            value={reference}
            onChange={(e) => setReference(e.target.value)}
            problem={mutation.error}
            hint="Bank reference, cheque number or receipt (optional)."
          />
        </div>
      </div>
      <FormProblem problem={mutation.error} fields={["amount", "method", "reference"]} />
      <div className="form-actions">
        <button className="btn" type="button" onClick={onClose}>
          Cancel
        </button>
        <button className="btn btn-primary" type="submit" disabled={mutation.isPending}>
          {mutation.isPending ? "Saving…" : kind === "payment" ? "Record payment" : "Pay refund"}
        </button>
      </div>
    </form>
  );
}
