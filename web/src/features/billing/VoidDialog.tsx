// Voiding an unpaid invoice: the server reverses its journal entry; a paid or credited one
// needs a credit note instead.
import { useState, type FormEvent } from "react";
import { api, call, type Schemas } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { money } from "../../lib/format";
import { Field, FormProblem } from "../../components/ui";
import { useChange } from "../../lib/useChange";
import { INVOICE_CHANGES } from "./queries";

interface Props {
  invoice: Schemas["InvoiceRead"];
  open: boolean;
  onClose: () => void;
  onDone: (message: string) => void;
}

export function VoidDialog({ invoice, open, onClose, onDone }: Props) {
  return (
    <Dialog open={open} title={`Void invoice ${invoice.number}`} onClose={onClose}>
      <VoidForm invoice={invoice} onClose={onClose} onDone={onDone} />
    </Dialog>
  );
}

function VoidForm({ invoice, onClose, onDone }: Omit<Props, "open">) {
  const [reason, setReason] = useState("");
  const mutation = useChange(
    INVOICE_CHANGES,
    () => call(api.POST("/billing/invoices/{invoice_id}/void", { params: { path: { invoice_id: invoice.id } }, body: { reason: reason.trim() } })),
    () => {
      onDone(`Invoice ${invoice.number} voided.`);
      onClose();
    },
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!mutation.isPending) mutation.mutate();
  }

  return (
    <form onSubmit={submit} noValidate>
      <p className="dialog-lead">
        The invoice for {money(invoice.total)} to {invoice.customer_name} will no longer be owed, and its booking is reversed in the ledger.
        This cannot be undone.
      </p>
      <Field
        label="Reason"
        name="reason"
        autoComplete="off"
        maxLength={500}
        required
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        problem={mutation.error}
        hint="Shown on the invoice and in the ledger."
      />
      <FormProblem problem={mutation.error} fields={["reason"]} />
      <div className="form-actions">
        <button className="btn" type="button" onClick={onClose}>
          Keep invoice
        </button>
        <button className="btn btn-danger" type="submit" disabled={mutation.isPending || reason.trim() === ""}>
          {mutation.isPending ? "Voiding…" : "Void invoice"}
        </button>
      </div>
    </form>
  );
}
