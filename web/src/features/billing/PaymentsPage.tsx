// Every payment received, newest first, filtered by method, customer and period.
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { DataTable } from "../../components/DataTable";
import { dateTime, label, money } from "../../lib/format";
import { Card, PageHeader, PageView, SelectField } from "../../components/ui";
import { DayRange, FilterBar } from "../../components/filters";
import { dayRange } from "../../lib/days";
import { CustomerFilter } from "../customers/CustomerFilter";
import { BillingTabs } from "./BillingTabs";
import { PAGE_SIZE, PAYMENT_METHODS, usePayments } from "./queries";
import { oneOf, orUndefined, useUrlFilters } from "../../lib/urlState";

const KEYS = ["method", "customer", "invoice", "from", "to"] as const;

export default function PaymentsPage() {
  const { values, offset, setFilters, setOffset, clear, active } = useUrlFilters(KEYS);
    const payments = usePayments(
    {
      method: oneOf(PAYMENT_METHODS, values.method),
      customer_id: orUndefined(values.customer),
      invoice_id: orUndefined(values.invoice),
      ...dayRange(values.from, values.to),
    },
    offset,
  );

  return (
    <>
      <PageHeader title="Payments" subtitle="Money received against invoices." />
      <BillingTabs />
      <Card>
        <FilterBar name="Filter payments" active={active} onClear={clear}>
          <SelectField label="Method" name="method" value={values.method} onChange={(e) => setFilters({ method: e.target.value })}>
            <option value="">Any method</option>
            {PAYMENT_METHODS.map((m) => (
              <option key={m} value={m}>
                {label(m)}
              </option>
            ))}
          </SelectField>
          <CustomerFilter value={values.customer} onChange={(customer) => setFilters({ customer })} />
          <DayRange what="Received" from={values.from} to={values.to} onChange={setFilters} />
        </FilterBar>
        {values.invoice && <p className="muted">Showing the payments of one invoice.</p>}
        <PageView
          query={payments}
          offset={offset}
          limit={PAGE_SIZE}
          onOffset={setOffset}
          empty={active ? "No payment matches these filters." : "No payment recorded yet."}
        >
          {(items) => <PaymentTable payments={items} />}
        </PageView>
      </Card>
    </>
  );
}

function PaymentTable({ payments }: { payments: Schemas["PaymentSummary"][] }) {
  return (
    <DataTable<Schemas["PaymentSummary"]>
      label="Payments"
      rows={payments}
      rowKey={(p) => p.id}
      columns={[
        { header: "Received", cell: (p) => dateTime(p.received_at) },
        {
          header: "Invoice",
          cell: (p) => (
            <Link to={`/billing/invoices/${p.invoice_id}`} className="mono">
              {p.invoice_number}
            </Link>
          ),
        },
        { header: "Customer", cell: (p) => p.customer_name },
        { header: "Method", cell: (p) => label(p.method) },
        { header: "Reference", className: "mono", cell: (p) => p.reference || <span className="muted">—</span> },
        { header: "Amount", numeric: true, cell: (p) => money(p.amount) },
      ]}
    />
  );
}
