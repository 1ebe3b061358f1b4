// The order list's filters, read from and written to the URL.
import type { SetURLSearchParams } from "react-router";
import { label } from "../../lib/format";
import { Field, SelectField } from "../../components/ui";
import { withFilter } from "../../lib/urlState";
import { useCustomerDirectory } from "../customers/queries";
import { ORDER_STATUSES, type OrderStatus } from "./queries";

export interface Filters {
  status?: OrderStatus;
  customer?: string;
  from?: string;
  to?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readFilters(params: URLSearchParams): Filters {
  const status = params.get("status") as OrderStatus | null;
  const from = params.get("from");
  const to = params.get("to");
  return {
    status: status && ORDER_STATUSES.includes(status) ? status : undefined,
    customer: params.get("customer") || undefined,
    from: from && DATE.test(from) ? from : undefined,
    to: to && DATE.test(to) ? to : undefined,
  };
}

/** Local calendar days as instants: "to" is inclusive here and exclusive for the API. */
function startOfDay(day: string, plusDays = 0): string {
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

export function toQuery(f: Filters) {
  return {
    status: f.status,
    customer_id: f.customer,
    from: f.from ? startOfDay(f.from) : undefined,
    to: f.to ? startOfDay(f.to, 1) : undefined,
  };
}

export function OrderFilters({ params, setParams }: { params: URLSearchParams; setParams: SetURLSearchParams }) {
  const directory = useCustomerDirectory();
  const filters = readFilters(params);

  const set = (name: keyof Filters, value: string) => setParams(withFilter(params, name, value, "offset"));
  const active = Object.values(filters).some(Boolean);

  return (
    <div className="filters orders-filters" role="search" aria-label="Filter orders">
      <SelectField label="Status" name="status" value={filters.status ?? ""} onChange={(e) => set("status", e.target.value)}>
        <option value="">All statuses</option>
        {ORDER_STATUSES.map((s) => (
          <option key={s} value={s}>
            {label(s)}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Customer"
        name="customer"
        value={filters.customer ?? ""}
        onChange={(e) => set("customer", e.target.value)}
        disabled={directory.isPending}
      >
        <option value="">{directory.isError ? "Customers unavailable" : "All customers"}</option>
        {directory.data?.items.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <Field label="From" name="from" type="date" value={filters.from ?? ""} max={filters.to} onChange={(e) => set("from", e.target.value)} />
      <Field label="To" name="to" type="date" value={filters.to ?? ""} min={filters.from} onChange={(e) => set("to", e.target.value)} />
      {active && (
        <button className="btn btn-ghost" type="button" onClick={() => setParams(new URLSearchParams())}>
          Clear filters
        </button>
      )}
    </div>
  );
}
