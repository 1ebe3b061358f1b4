// The invoice list's filters: status, customer, period of issue, overdue only.
import { DayRange, FilterBar } from "../../components/filters";
import { SelectField } from "../../components/ui";
import { label } from "../../lib/format";
import { CustomerFilter } from "../customers/CustomerFilter";
import { INVOICE_STATUSES } from "./queries";

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
