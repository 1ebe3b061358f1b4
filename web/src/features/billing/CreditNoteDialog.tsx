// Issuing a credit note: an amount including tax, or quantities of chosen lines, and why.
import { useState, type FormEvent } from "react";
import { ApiProblem, api, call, type Schemas } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { decimalInput, isZero } from "../../lib/decimal";
import { count, formatting, money } from "../../lib/format";
import { Field, FormActions, FormProblem } from "../../components/ui";
import { newIdempotencyKey } from "../../api/idempotency";
import { useChange } from "../../lib/useChange";
import { INVOICE_CHANGES } from "./queries";

type Mode = "amount" | "lines";
type Body = Schemas["CreditNoteCreate"];

interface Props {
  invoice: Schemas["InvoiceRead"];
  open: boolean;
  onClose: () => void;
  onDone: (message: string) => void;
}

export function CreditNoteDialog({ invoice, open, onClose, onDone }: Props) {
  return (
    <Dialog open={open} title={`Issue credit note on ${invoice.number}`} onClose={onClose}>
      <CreditNoteForm invoice={invoice} onClose={onClose} onDone={onDone} />
    </Dialog>
  );
}

function CreditNoteForm({ invoice, onClose, onDone }: Omit<Props, "open">) {
  const [key] = useState(newIdempotencyKey);
  const [mode, setMode] = useState<Mode>("amount");
  const [amount, setAmount] = useState("");
  const [quantities, setQuantities] = useState<Record<number, string>>({});
  const [reason, setReason] = useState("");
  const [nothingChosen, setNothingChosen] = useState(false);

  const mutation = useChange(
    INVOICE_CHANGES,
    (body: Body) =>
      call(api.POST("/billing/invoices/{invoice_id}/credit-notes", { params: { path: { invoice_id: invoice.id } }, body, headers: { "Idempotency-Key": key } })),
    (note) => {
      onDone(`Credit note ${note.number} for ${money(note.total)} issued.`);
      onClose();
    },
  );

  function choose(next: Mode) {
    setMode(next);
    setNothingChosen(false);
    mutation.reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mutation.isPending) return;
    const { locale } = formatting();
    const body: Body =
      mode === "amount"
        ? { amount: decimalInput(amount, locale) ?? "", reason: reason.trim() }
        : {
            lines: Object.entries(quantities)
              .filter(([, qty]) => qty.trim() !== "" && !isZero(qty, locale))
              .map(([lineNo, qty]) => ({ line_no: Number(lineNo), qty: decimalInput(qty, locale) ?? "" })),
            reason: reason.trim(),
          };
    // An empty selection is a slip of the hand, not something to send.
    const empty = body.lines?.length === 0;
    setNothingChosen(empty);
    if (empty) return;
    mutation.mutate(body);
  }

  // The server names a bad line by its place in the list sent ("lines.1.qty"); map it back.
  function lineError(lineNo: number): string | undefined {
    const problem = mutation.error;
    const sent = mutation.variables?.lines;
    if (!(problem instanceof ApiProblem) || !sent) return undefined;
    const index = sent.findIndex((l) => l.line_no === lineNo);
    if (index < 0) return undefined;
    return problem.errors.find((e) => e.field === `lines.${index}.qty` || e.field === `lines.${index}.line_no` || e.field === `lines.${index}`)?.message;
  }
  const linesError = nothingChosen
    ? "Enter a quantity to credit on at least one line."
    : mutation.error instanceof ApiProblem
      ? mutation.error.errors.find((e) => e.field === "lines")?.message
      : undefined;

  return (
    <form onSubmit={submit} noValidate>
      <p className="dialog-lead muted">
        Credit lowers what {invoice.customer_name} owes ({money(invoice.balance)}); any excess over that is owed back to them.
      </p>
      <fieldset className="segmented">
        <legend>Credit by</legend>
        <label>
          <input type="radio" name="credit-mode" value="amount" checked={mode === "amount"} onChange={() => choose("amount")} />
          Amount
        </label>
        <label>
          <input type="radio" name="credit-mode" value="lines" checked={mode === "lines"} onChange={() => choose("lines")} />
          Lines
        </label>
      </fieldset>
      <div className="stack-tight">
        {mode === "amount" ? (
          <Field
            label="Amount (tax included)"
            name="amount"
            inputMode="decimal"
            autoComplete="off"
            required
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            problem={mutation.error}
            hint={`Invoice total ${money(invoice.total)}, already credited ${money(invoice.amount_credited)}.`}
          />
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Quantities to credit</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col" className="num">
                    Invoiced
                  </th>
                  <th scope="col" className="num">
                    Credited
                  </th>
                  <th scope="col" className="num">
                    Credit now
                  </th>
                </tr>
              </thead>
              <tbody>
                {invoice.lines.map((line) => {
                  const error = lineError(line.line_no);
                  const id = `credit-qty-${line.line_no}`;
                  return (
                    <tr key={line.line_no}>
                      <td>{line.description}</td>
                      <td className="num">{count(line.qty)}</td>
                      <td className="num">{count(line.credited_qty)}</td>
                      <td className="num">
                        <input
                          id={id}
                          className="qty-input"
                          inputMode="decimal"
                          autoComplete="off"
                          aria-label={`Quantity to credit: ${line.description}`}
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? `${id}-error` : undefined}
                          value={quantities[line.line_no] ?? ""}
                          placeholder="0"
                          onChange={(e) => setQuantities((q) => ({ ...q, [line.line_no]: e.target.value }))}
                        />
                        {error && (
                          <small id={`${id}-error`} className="field-error qty-error" role="alert">
                            {error}
                          </small>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {linesError && (
              <p className="field-error" role="alert">
                {linesError}
              </p>
            )}
          </div>
        )}
        <Field label="Reason" name="reason" autoComplete="off" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} problem={mutation.error} />
      </div>
      <FormProblem problem={mutation.error} fields={mode === "amount" ? ["amount", "reason"] : ["lines", "reason", "qty", "line_no"]} />
      <FormActions onCancel={onClose} pending={mutation.isPending} label="Issue credit note" pendingLabel="Saving…" />
    </form>
  );
}
