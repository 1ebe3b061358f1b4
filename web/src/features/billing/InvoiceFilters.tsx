import type { ReactNode } from "react";
import { label } from "../../lib/format";
import { Field, SelectField } from "../../components/ui";
import { useCustomerDirectory } from "../customers/queries";
import { INVOICE_STATUSES } from "./queries";

export interface InvoiceFilterValues {
  status: string;
  customer: string;
  overdue: string;
  from: string;
  to: string;
}

/** The filter bar of a billing list: its controls, then "Clear filters" when any is set. */
export function FilterBar({ name, active, onClear, children }: { name: string; active: boolean; onClear: () => void; children: ReactNode }) {
  return (
    <form className="filters" role="search" aria-label={name} onSubmit={(e) => e.preventDefault()}>
      {children}
      {active && (
        <button className="btn btn-ghost btn-small" type="button" onClick={onClear}>
          Clear filters
        </button>
      )}
    </form>
  );
}

export function CustomerFilter({ value, onChange }: { value: string; onChange: (customer: string) => void }) {
  const customers = useCustomerDirectory();
  return (
    <SelectField label="Customer" name="customer" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">All customers</option>
      {customers.data?.items.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </SelectField>
  );
}

/** A from–to pair of day inputs. */
export function DayRange({ what, from, to, onChange }: { what: string; from: string; to: string; onChange: (changes: { from?: string; to?: string }) => void }) {
  return (
    <>
      <Field label={`${what} from`} name="from" type="date" value={from} onChange={(e) => onChange({ from: e.target.value })} />
      <Field label={`${what} to`} name="to" type="date" value={to} onChange={(e) => onChange({ to: e.target.value })} />
    </>
  );
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
  return (
    <FilterBar name="Filter invoices" active={active} onClear={onClear}>
      <SelectField label="Status" name="status" value={values.status} onChange={(e) => onChange({ status: e.target.value })}>
        <option value="">Any status</option>
        {INVOICE_STATUSES.map((s) => (
          <option key={s} value={s}>
            {label(s)}
          </option>
        ))}
      </SelectField>
      <CustomerFilter value={values.customer} onChange={(customer) => onChange({ customer })} />
      <DayRange what="Issued" from={values.from} to={values.to} onChange={onChange} />
      <label className="field-check">
        <input type="checkbox" checked={values.overdue === "true"} onChange={(e) => onChange({ overdue: e.target.checked ? "true" : "" })} />
        Overdue only
      </label>
    </FilterBar>
  );
}
