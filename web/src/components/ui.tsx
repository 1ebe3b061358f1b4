// The small set of building blocks every page uses: page header, cards, status badges,
// loading / empty / error states, paging, and form fields that show the server's message.
import type { ReactNode, InputHTMLAttributes, SelectHTMLAttributes } from "react";
import { Link } from "react-router";
import { ApiProblem } from "../api/client";
import { label } from "../lib/format";

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ""}`}>
      {(title || actions) && (
        <div className="card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

const TONES: Record<string, string> = {
  placed: "info",
  confirmed: "info",
  invoiced: "violet",
  issued: "info",
  partially_paid: "warn",
  paid: "ok",
  shipped: "ok",
  completed: "ok",
  credited: "muted",
  rejected: "bad",
  cancelled: "muted",
  void: "muted",
  overdue: "bad",
  low: "bad",
};

export function StatusBadge({ status, text }: { status: string; text?: string }) {
  return <span className={`badge badge-${TONES[status] ?? "muted"}`}>{text ?? label(status)}</span>;
}

export function Loading({ text = "Loading…" }: { text?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {text}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : "Something went wrong.";
  return (
    <div className="state state-error" role="alert">
      <span>{message}</span>
      {retry && (
        <button className="btn btn-small" type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/** The server's answer for a record that is not there (404), or an id that cannot be one (422). */
function isMissing(error: unknown): boolean {
  return error instanceof ApiProblem && (error.status === 404 || error.status === 422);
}

/** What a page about one record says when there is none, and the way back to its list. */
export interface Missing {
  text: string;
  back: string;
  backLabel: string;
}

/** Loading, error and empty states around a query's data; MISSING, on a page about one
 * record, says when there is no such record. */
export function QueryView<T>({
  query,
  empty,
  isEmpty,
  loading,
  missing,
  children,
}: {
  query: QueryLike<T>;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  loading?: string;
  missing?: Missing;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading text={loading} />;
  if (missing && isMissing(query.error)) {
    return (
      <Empty>
        {missing.text} <Link to={missing.back}>{missing.backLabel}</Link>
      </Empty>
    );
  }
  if (query.error || query.data === undefined) return <ErrorState error={query.error} retry={() => query.refetch()} />;
  if (empty && isEmpty?.(query.data)) return <Empty>{empty}</Empty>;
  return <>{children(query.data)}</>;
}

interface PageLike<T> {
  items: T[];
  total: number;
}

/** One page of a list: QueryView's states, the rows CHILDREN draws, and the pager below. */
export function PageView<T>({
  query,
  offset,
  limit,
  onOffset,
  empty,
  testId,
  children,
}: {
  query: QueryLike<PageLike<T>> & { isFetching: boolean };
  offset: number;
  limit: number;
  onOffset: (offset: number) => void;
  empty?: ReactNode;
  testId?: string;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <QueryView query={query} isEmpty={(page) => page.items.length === 0} empty={empty}>
      {(page) => (
        <div aria-busy={query.isFetching} data-testid={testId}>
          {children(page.items)}
          <Pager offset={offset} limit={limit} total={page.total} onChange={onOffset} />
        </div>
      )}
    </QueryView>
  );
}

export function Pager({ offset, limit, total, onChange }: { offset: number; limit: number; total: number; onChange: (offset: number) => void }) {
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav className="pager" aria-label="Pages">
      <span className="muted">
        {from}–{to} of {total}
      </span>
      <button className="btn btn-small" type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        Previous
      </button>
      <button className="btn btn-small" type="button" disabled={to >= total} onClick={() => onChange(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

// `id` when two forms on one page have a field of the same name (the default is f-<name>).
type FieldProps = { label: string; name: string; problem?: unknown; hint?: ReactNode; id?: string };

function fieldError(problem: unknown, name: string): string | undefined {
  return problem instanceof ApiProblem ? problem.messageFor(name) : undefined;
}

/** A labelled input; a problem+json answer naming this field shows its message here. */
export function Field({ label: text, name, problem, hint, id: given, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const error = fieldError(problem, name);
  const id = given ?? `f-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{text}</label>
      <input id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...input} />
      {hint && !error && <small className="muted">{hint}</small>}
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export function SelectField({
  label: text,
  name,
  problem,
  children,
  ...select
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode }) {
  const error = fieldError(problem, name);
  const id = `f-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{text}</label>
      <select id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...select}>
        {children}
      </select>
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** The problem's message when no field of the form took it. */
export function FormProblem({ problem, fields }: { problem: unknown; fields: string[] }) {
  if (!problem) return null;
  if (problem instanceof ApiProblem && fields.some((f) => problem.messageFor(f))) return null;
  const message = problem instanceof Error ? problem.message : "Something went wrong.";
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

/** A form's closing buttons: Cancel, and the submit button that says when it is working. */
export function FormActions({ onCancel, pending, label: text, pendingLabel }: { onCancel: () => void; pending: boolean; label: string; pendingLabel: string }) {
  return (
    <div className="form-actions">
      <button className="btn" type="button" onClick={onCancel}>
        Cancel
      </button>
      <button className="btn btn-primary" type="submit" disabled={pending}>
        {pending ? pendingLabel : text}
      </button>
    </div>
  );
}
