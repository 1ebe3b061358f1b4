// What happened to an invoice after it was issued: money received, credit given, money paid back.
import type { Schemas } from "../../api/client";
import { date, dateTime, label, money } from "../../components/format";
import { Card, Empty } from "../../components/ui";
import { PdfButton } from "./PdfButton";
import { creditNotePdfPath } from "./queries";

type Invoice = Schemas["InvoiceRead"];

export function PaymentsCard({ invoice }: { invoice: Invoice }) {
  return (
    <Card title="Payments">
      {invoice.payments.length === 0 ? (
        <Empty>No payment received yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="invoice-payments">
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Method</th>
                <th scope="col">Reference</th>
                <th scope="col">By</th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {invoice.payments.map((p) => (
                <tr key={p.id}>
                  <td>{dateTime(p.received_at)}</td>
                  <td>{label(p.method)}</td>
                  <td className="mono">{p.reference || <span className="muted">—</span>}</td>
                  <td>{p.created_by ?? <span className="muted">—</span>}</td>
                  <td className="num">{money(p.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

export function CreditNotesCard({ invoice }: { invoice: Invoice }) {
  return (
    <Card title="Credit notes">
      {invoice.credit_notes.length === 0 ? (
        <Empty>No credit note issued.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="invoice-credit-notes">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Issued</th>
                <th scope="col">Reason</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col" className="num">
                  Off balance
                </th>
                <th scope="col" className="num">
                  Owed back
                </th>
                <th scope="col">
                  <span className="sr-only">Document</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invoice.credit_notes.map((c) => (
                <tr key={c.id}>
                  <td className="mono">
                    {c.number}
                  </td>
                  <td>{date(c.issue_date)}</td>
                  <td>{c.reason || <span className="muted">—</span>}</td>
                  <td className="num">{money(c.total)}</td>
                  <td className="num">{money(c.applied_to_balance)}</td>
                  <td className="num">{money(c.refund_due)}</td>
                  <td className="num">
                    <PdfButton path={creditNotePdfPath(c.id)} filename={`${c.number}.pdf`} label="PDF" small ariaLabel={`Download credit note ${c.number} as PDF`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

export function RefundsCard({ invoice }: { invoice: Invoice }) {
  if (invoice.refunds.length === 0) return null;
  return (
    <Card title="Refunds">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Paid</th>
              <th scope="col">Method</th>
              <th scope="col">Reference</th>
              <th scope="col">By</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {invoice.refunds.map((r) => (
              <tr key={r.id}>
                <td>{dateTime(r.paid_at)}</td>
                <td>{label(r.method)}</td>
                <td className="mono">{r.reference || <span className="muted">—</span>}</td>
                <td>{r.created_by ?? <span className="muted">—</span>}</td>
                <td className="num">{money(r.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
