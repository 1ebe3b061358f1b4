// What happened to an invoice after it was issued: money received, credit given, money paid back.
import type { Schemas } from "../../api/client";
import { date, dateTime, label, money } from "../../lib/format";
import { DataTable } from "../../components/DataTable";
import { Card, Empty } from "../../components/ui";
import { PdfButton } from "./PdfButton";
import { creditNotePdfPath } from "./queries";

type Invoice = Schemas["InvoiceRead"];

interface Movement {
  id: string;
  at: string;
  method: string;
  reference: string;
  created_by?: string | null;
  amount: string;
}

/** Money in (payments) or out (refunds): when, how, reference, who, how much. */
function MovementsTable({ rows, when, testId }: { rows: Movement[]; when: string; testId?: string }) {
  return (
    <DataTable<Movement>
      testId={testId}
      rows={rows}
      rowKey={(m) => m.id}
      columns={[
        { header: when, cell: (m) => dateTime(m.at) },
        { header: "Method", cell: (m) => label(m.method) },
        { header: "Reference", className: "mono", cell: (m) => m.reference || <span className="muted">—</span> },
        { header: "By", cell: (m) => m.created_by ?? <span className="muted">—</span> },
        { header: "Amount", numeric: true, cell: (m) => money(m.amount) },
      ]}
    />
  );
}

export function PaymentsCard({ invoice }: { invoice: Invoice }) {
  return (
    <Card title="Payments">
      {invoice.payments.length === 0 ? (
        <Empty>No payment received yet.</Empty>
      ) : (
        <MovementsTable when="Received" testId="invoice-payments" rows={invoice.payments.map((p) => ({ ...p, at: p.received_at }))} />
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
      <MovementsTable when="Paid" rows={invoice.refunds.map((r) => ({ ...r, at: r.paid_at }))} />
    </Card>
  );
}
