// The audit log's filters, read from and written to the URL.
import type { KeyboardEvent } from "react";
import type { SetURLSearchParams } from "react-router";
import { DayRange, FilterBar } from "../../components/filters";
import { Field } from "../../components/ui";
import { withFilters } from "../../lib/urlState";
import { readFilters, type AuditFilters as Filters } from "./queries";

type TextFilter = "actor" | "action" | "subject_type" | "subject_id";

export function AuditFilters({ params, setParams }: { params: URLSearchParams; setParams: SetURLSearchParams }) {
  const filters = readFilters(params);
  // A new filter starts at the newest records.
  const set = (changes: Partial<Filters>) => setParams(withFilters(params, changes, "before"));
  const active = Object.values(filters).some(Boolean);
  // Text filters apply when the field is left, or at once on Enter.
  const text = (name: TextFilter) => ({
    name,
    defaultValue: filters[name] ?? "",
    onBlur: (e: { target: HTMLInputElement }) => set({ [name]: e.target.value.trim() }),
    onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => {
      if (e.key === "Enter") set({ [name]: e.currentTarget.value.trim() });
    },
  });
  return (
    // Keyed by the filters, so that clearing them empties the text fields too.
    <FilterBar key={JSON.stringify(filters)} name="Filter the audit log" className="audit-filters" active={active} onClear={() => setParams(new URLSearchParams())}>
      <Field label="Who" placeholder="user name" {...text("actor")} />
      <Field label="Action" placeholder='e.g. users.update or "order."' {...text("action")} />
      <Field label="Subject type" placeholder="order, user, …" {...text("subject_type")} />
      <Field label="Subject id" {...text("subject_id")} />
      <DayRange from={filters.from ?? ""} to={filters.to ?? ""} onChange={set} />
    </FilterBar>
  );
}
