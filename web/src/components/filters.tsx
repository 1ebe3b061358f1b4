// The filter bar above a list: its controls, a from–to pair of days, and "Clear filters"
// once any filter is set. What the filters hold lives in the address (lib/urlState.ts).
import type { ReactNode } from "react";
import { Field } from "./ui";

export function FilterBar({
  name,
  active,
  onClear,
  className,
  children,
}: {
  name: string;
  active: boolean;
  onClear: () => void;
  className?: string;
  children: ReactNode;
}) {
  return (
    <form className={`filters ${className ?? ""}`.trim()} role="search" aria-label={name} onSubmit={(e) => e.preventDefault()}>
      {children}
      {active && (
        <button className="btn btn-ghost btn-small" type="button" onClick={onClear}>
          Clear filters
        </button>
      )}
    </form>
  );
}

/** Two day inputs ("Issued from", "Issued to"; "From", "To" without WHAT) that keep from ≤ to. */
export function DayRange({ what, from, to, onChange }: { what?: string; from: string; to: string; onChange: (changes: { from?: string; to?: string }) => void }) {
  return (
    <>
      <Field label={what ? `${what} from` : "From"} name="from" type="date" value={from} max={to || undefined} onChange={(e) => onChange({ from: e.target.value })} />
      <Field label={what ? `${what} to` : "To"} name="to" type="date" value={to} min={from || undefined} onChange={(e) => onChange({ to: e.target.value })} />
    </>
  );
}
