// One invoice: who and when, its lines and totals, what was paid and credited, and the
// actions a role may take on it. The live stream refreshes it when money moves elsewhere.
import { useState } from "react";
import { Link, useParams } from "react-router";
import type { Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthContext";
import { date, dateTime, money } from "../../lib/format";
import { Card, PageHeader, QueryView, StatusBadge } from "../../components/ui";
import { BillingTabs } from "./BillingTabs";
import { isZero, toCents } from "../../lib/decimal";
import { CreditNoteDialog } from "./CreditNoteDialog";
import { CreditNotesCard, PaymentsCard, RefundsCard } from "./InvoiceActivity";
import { InvoiceLines } from "./InvoiceLines";
import { PayDialog } from "./PayDialog";
import { PdfButton } from "./PdfButton";
import { useInvoice } from "./queries";
import { VoidDialog } from "./VoidDialog";

type Action = "pay" | "refund" | "credit" | "void" | null;

export default function InvoiceDetailPage() {
  const { invoiceId = "" } = useParams();
  const invoice = useInvoice(invoiceId);

  return (
    <QueryView
      query={invoice}
      loading="Loading the invoice…"
      missing={{ text: "There is no invoice at this address.", back: "/billing", backLabel: "Back to invoices" }}
    >
      {(found) => <InvoiceView invoice={found} />}
    </QueryView>
  );
}

function InvoiceView({ invoice }: { invoice: Schemas["InvoiceRead"] }) {
  const { can } = useAuth();
  const [action, setAction] = useState<Action>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const close = () => setAction(null);

  const isVoid = invoice.status === "void";
  const owing = !isVoid && !isZero(invoice.balance);
  // Mirrors the server's rule only to decide which buttons to offer; the server still decides.
  const voidable = invoice.status === "issued" && isZero(invoice.amount_paid) && isZero(invoice.amount_credited);
  const creditable = !isVoid && (toCents(invoice.amount_credited) ?? 0n) < (toCents(invoice.total) ?? 0n);
  const refundable = !isZero(invoice.refund_due);

  const actions = (
    <>
      <PdfButton path={invoice.pdf_url} filename={`${invoice.number}.pdf`} />
      {can("billing:pay") && owing && (
        <button className="btn btn-primary" type="button" onClick={() => setAction("pay")}>
          Record payment
        </button>
      )}
      {can("billing:write") && creditable && (
        <button className="btn" type="button" onClick={() => setAction("credit")}>
          Issue credit note
        </button>
      )}
      {can("billing:write") && refundable && (
        <button className="btn" type="button" onClick={() => setAction("refund")}>
          Pay refund
        </button>
      )}
      {can("billing:write") && voidable && (
        <button className="btn btn-danger" type="button" onClick={() => setAction("void")}>
          Void
        </button>
      )}
    </>
  );

  return (
    <>
      <PageHeader
        title={`Invoice ${invoice.number}`}
        subtitle={
          <span className="cell-stack">
            <StatusBadge status={invoice.status} />
            {invoice.overdue && <StatusBadge status="overdue" />}
            <span>{invoice.customer_name}</span>
          </span>
        }
        actions={actions}
      />
      <BillingTabs />
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      {isVoid && (
        <p className="notice notice-muted">
          This invoice is void{invoice.void_reason ? `: ${invoice.void_reason}` : "."} Nothing is owed on it.
        </p>
      )}
      <div className="stack">
        <Card title="Details">
          <dl className="facts">
            <div>
              <dt>Customer</dt>
              <dd>
                <Link to={`/customers/${invoice.customer_id}`}>{invoice.customer_name}</Link>
              </dd>
            </div>
            <div>
              <dt>Email</dt>
              <dd>{invoice.customer_email || "—"}</dd>
            </div>
            <div>
              <dt>Issued</dt>
              <dd>{date(invoice.issue_date)}</dd>
            </div>
            <div>
              <dt>Due</dt>
              <dd>{date(invoice.due_date)}</dd>
            </div>
            <div>
              <dt>Order</dt>
              <dd>{invoice.order_id ? <Link to={`/orders/${invoice.order_id}`}>{invoice.order_number ?? "View order"}</Link> : "Manual invoice"}</dd>
            </div>
            <div>
              <dt>Billing address</dt>
              <dd>{invoice.billing_address || "—"}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd data-testid="invoice-status">
                <StatusBadge status={invoice.status} />
              </dd>
            </div>
            <div>
              <dt>Balance due</dt>
              <dd>{money(invoice.balance)}</dd>
            </div>
          </dl>
          {invoice.notes && <p className="muted">{invoice.notes}</p>}
          <p className="muted">
            Created {dateTime(invoice.created_at)}
            {invoice.created_by ? ` by ${invoice.created_by}` : ""} · updated {dateTime(invoice.updated_at)}
          </p>
        </Card>
        <InvoiceLines invoice={invoice} />
        <PaymentsCard invoice={invoice} />
        <CreditNotesCard invoice={invoice} />
        <RefundsCard invoice={invoice} />
      </div>
      <PayDialog kind="payment" invoice={invoice} open={action === "pay"} onClose={close} onDone={setNotice} />
      <PayDialog kind="refund" invoice={invoice} open={action === "refund"} onClose={close} onDone={setNotice} />
      <CreditNoteDialog invoice={invoice} open={action === "credit"} onClose={close} onDone={setNotice} />
      <VoidDialog invoice={invoice} open={action === "void"} onClose={close} onDone={setNotice} />
    </>
  );
}
