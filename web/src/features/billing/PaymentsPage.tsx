// Every payment received, newest first, filtered by method, customer and period.
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { dateTime, label, money } from "../../components/format";
import { Card, Pager, PageHeader, QueryView, SelectField } from "../../components/ui";
import { CustomerFilter, DayRange, FilterBar } from "./InvoiceFilters";
import { BillingTabs } from "./BillingTabs";
import { useInvoiceNames } from "./invoiceNames";
import { PAGE_SIZE, PAYMENT_METHODS, usePayments, type PaymentMethod } from "./queries";
import { orUndefined, useUrlFilters } from "./useUrlFilters";

const KEYS = ["method", "customer", "invoice", "from", "to"] as const;

/** A local calendar day's first or last moment, as the instant the API filters on. */
function dayBound(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  const moment = new Date(`${day}T${end ? "23:59:59.999" : "00:00:00"}`);
  return Number.isNaN(moment.getTime()) ? undefined : moment.toISOString();
}

export default function PaymentsPage() {
  const { values, offset, setFilters, setOffset, clear, active } = useUrlFilters(KEYS);
  const method = PAYMENT_METHODS.includes(values.method as PaymentMethod) ? (values.method as PaymentMethod) : undefined;
  const payments = usePayments(
    {
      method,
      customer_id: orUndefined(values.customer),
      invoice_id: orUndefined(values.invoice),
      from: dayBound(values.from, false),
      to: dayBound(values.to, true),
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
        <QueryView
          query={payments}
          isEmpty={(page) => page.items.length === 0}
          empty={active ? "No payment matches these filters." : "No payment recorded yet."}
        >
          {(page) => (
            <div aria-busy={payments.isFetching}>
              <PaymentTable payments={page.items} />
              <Pager offset={offset} limit={PAGE_SIZE} total={page.total} onChange={setOffset} />
            </div>
          )}
        </QueryView>
      </Card>
    </>
  );
}

function PaymentTable({ payments }: { payments: Schemas["PaymentRead"][] }) {
  const names = useInvoiceNames(payments.map((p) => p.invoice_id)).data ?? {};
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Payments</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Invoice</th>
            <th scope="col">Customer</th>
            <th scope="col">Method</th>
            <th scope="col">Reference</th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {payments.map((p) => {
            const name = names[p.invoice_id];
            return (
              <tr key={p.id}>
                <td>{dateTime(p.received_at)}</td>
                <td>
                  <Link to={`/billing/invoices/${p.invoice_id}`} className="mono">
                    {name?.number ?? "View invoice"}
                  </Link>
                </td>
                <td>{name?.customer ?? <span className="muted">…</span>}</td>
                <td>{label(p.method)}</td>
                <td className="mono">{p.reference || <span className="muted">—</span>}</td>
                <td className="num">{money(p.amount)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
