// The order list's filters, read from and written to the URL.
import type { SetURLSearchParams } from "react-router";
import { label } from "../../lib/format";
import { DayRange, FilterBar } from "../../components/filters";
import { SelectField } from "../../components/ui";
import { dayRange } from "../../lib/days";
import { oneOf, withFilters } from "../../lib/urlState";
import { CustomerFilter } from "../customers/CustomerFilter";
import { ORDER_STATUSES, type OrderStatus } from "./queries";

export interface Filters {
  status?: OrderStatus;
  customer?: string;
  from?: string;
  to?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readFilters(params: URLSearchParams): Filters {
  const from = params.get("from");
  const to = params.get("to");
  return {
    status: oneOf(ORDER_STATUSES, params.get("status")),
    customer: params.get("customer") || undefined,
    from: from && DATE.test(from) ? from : undefined,
    to: to && DATE.test(to) ? to : undefined,
  };
}

export function toQuery(f: Filters) {
  return {
    status: f.status,
    customer_id: f.customer,
    ...dayRange(f.from, f.to),
  };
}

export function OrderFilters({ params, setParams }: { params: URLSearchParams; setParams: SetURLSearchParams }) {
  const filters = readFilters(params);
  const set = (name: keyof Filters, value: string) => setParams(withFilters(params, { [name]: value }));
  const active = Object.values(filters).some(Boolean);

  return (
    <FilterBar name="Filter orders" className="orders-filters" active={active} onClear={() => setParams(new URLSearchParams())}>
      <SelectField label="Status" name="status" value={filters.status ?? ""} onChange={(e) => set("status", e.target.value)}>
        <option value="">All statuses</option>
        {ORDER_STATUSES.map((s) => (
          <option key={s} value={s}>
            {label(s)}
          </option>
        ))}
      </SelectField>
      <CustomerFilter value={filters.customer ?? ""} onChange={(customer) => set("customer", customer)} />
      <DayRange from={filters.from ?? ""} to={filters.to ?? ""} onChange={(changes) => setParams(withFilters(params, changes))} />
    </FilterBar>
  );
}
