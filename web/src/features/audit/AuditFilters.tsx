// The audit log's filters, read from and written to the URL.
import type { KeyboardEvent } from "react";
import type { SetURLSearchParams } from "react-router";
import { Field } from "../../components/ui";
import { withFilter } from "../../lib/urlState";
import { readFilters, type AuditFilters as Filters } from "./queries";

export function AuditFilters({ params, setParams }: { params: URLSearchParams; setParams: SetURLSearchParams }) {
  const filters = readFilters(params);
  // A new filter starts at the newest records.
  const set = (name: keyof Filters, value: string) => setParams(withFilter(params, name, value, "before"));
  const active = Object.values(filters).some(Boolean);
  return (
    // Keyed by the filters, so that clearing them empties the text fields too.
    <form key={JSON.stringify(filters)} className="filters audit-filters" role="search" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
      <Field label="Who" name="actor" defaultValue={filters.actor ?? ""} placeholder="user name" onBlur={(e) => set("actor", e.target.value.trim())} onKeyDown={enter(set, "actor")} />
      <Field
        label="Action"
        name="action"
        defaultValue={filters.action ?? ""}
        placeholder='e.g. users.update or "order."'
        onBlur={(e) => set("action", e.target.value.trim())}
        onKeyDown={enter(set, "action")}
      />
      <Field label="Subject type" name="subject_type" defaultValue={filters.subject_type ?? ""} placeholder="order, user, …" onBlur={(e) => set("subject_type", e.target.value.trim())} onKeyDown={enter(set, "subject_type")} />
      <Field label="Subject id" name="subject_id" defaultValue={filters.subject_id ?? ""} onBlur={(e) => set("subject_id", e.target.value.trim())} onKeyDown={enter(set, "subject_id")} />
      <Field label="From" name="from" type="date" value={filters.from ?? ""} max={filters.to} onChange={(e) => set("from", e.target.value)} />
      <Field label="To" name="to" type="date" value={filters.to ?? ""} min={filters.from} onChange={(e) => set("to", e.target.value)} />
      {active && (
        <button className="btn btn-ghost" type="button" onClick={() => setParams(new URLSearchParams())}>
          Clear filters
        </button>
      )}
    </form>
  );
}

/** Enter applies a text filter at once (leaving the field does too). */
function enter(set: (name: keyof Filters, value: string) => void, name: keyof Filters) {
  return (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") set(name, event.currentTarget.value.trim());
  };
}
