// The invoices list: filters in the address, one page at a time, overdue rows highlighted.
import { Card, PageHeader, PageView } from "../../components/ui";
import { BillingTabs } from "./BillingTabs";
import { InvoiceFilters } from "./InvoiceFilters";
import { InvoiceTable } from "./InvoiceTable";
import { INVOICE_STATUSES, PAGE_SIZE, useInvoices } from "./queries";
import { oneOf, orUndefined, useUrlFilters } from "../../lib/urlState";

const KEYS = ["status", "customer", "overdue", "from", "to"] as const;

export default function BillingPage() {
  const { values, offset, setFilters, setOffset, clear, active } = useUrlFilters(KEYS);
    const invoices = useInvoices(
    {
      status: oneOf(INVOICE_STATUSES, values.status),
      customer_id: orUndefined(values.customer),
      overdue: values.overdue === "true" ? true : undefined,
      from: orUndefined(values.from),
      to: orUndefined(values.to),
    },
    offset,
  );

  return (
    <>
      <PageHeader title="Invoices" subtitle="Every invoice issued, what was paid and what is still owed." />
      <BillingTabs />
      <Card>
        <InvoiceFilters values={values} onChange={setFilters} onClear={clear} active={active} />
        <PageView
          query={invoices}
          offset={offset}
          limit={PAGE_SIZE}
          onOffset={setOffset}
          testId="invoice-list"
          empty={active ? "No invoice matches these filters." : "No invoices yet. Confirmed orders are invoiced automatically."}
        >
          {(items) => <InvoiceTable invoices={items} />}
        </PageView>
      </Card>
    </>
  );
}
