import { label } from "../../components/format";
import { INVOICE_STATUSES, useCustomerOptions } from "./queries";

export interface InvoiceFilterValues {
  status: string;
  customer: string;
  overdue: string;
  from: string;
  to: string;
}

export function InvoiceFilters({
  values,
  onChange,
  onClear,
  active,
}: {
  values: InvoiceFilterValues;
  onChange: (changes: Partial<InvoiceFilterValues>) => void;
  onClear: () => void;
  active: boolean;
}) {
  const customers = useCustomerOptions();
  return (
    <form className="filters" role="search" aria-label="Filter invoices" onSubmit={(e) => e.preventDefault()}>
      <div className="field">
        <label htmlFor="inv-status">Status</label>
        <select id="inv-status" value={values.status} onChange={(e) => onChange({ status: e.target.value })}>
          <option value="">Any status</option>
          {INVOICE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {label(s)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="inv-customer">Customer</label>
        <select id="inv-customer" value={values.customer} onChange={(e) => onChange({ customer: e.target.value })}>
          <option value="">All customers</option>
          {customers.data?.items.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="inv-from">Issued from</label>
        <input id="inv-from" type="date" value={values.from} onChange={(e) => onChange({ from: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="inv-to">Issued to</label>
        <input id="inv-to" type="date" value={values.to} onChange={(e) => onChange({ to: e.target.value })} />
      </div>
      <label className="field-check">
        <input type="checkbox" checked={values.overdue === "true"} onChange={(e) => onChange({ overdue: e.target.checked ? "true" : "" })} />
        Overdue only
      </label>
      {active && (
        <button className="btn btn-ghost btn-small" type="button" onClick={onClear}>
          Clear filters
        </button>
      )}
    </form>
  );
}
