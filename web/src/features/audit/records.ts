// The audit log's pure rules for the page: which filters the URL holds, and a record's
// before and after side by side. No network here (unit-tested without a browser).

export interface AuditValues {
  before?: { [key: string]: unknown } | null;
  after?: { [key: string]: unknown } | null;
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  subject_type?: string;
  subject_id?: string;
  from?: string;
  to?: string;
}

export const FILTER_NAMES: (keyof AuditFilters)[] = ["actor", "action", "subject_type", "subject_id", "from", "to"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readFilters(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name)?.trim();
    if (!value) continue;
    if ((name === "from" || name === "to") && !DATE.test(value)) continue;
    filters[name] = value;
  }
  return filters;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

/** The fields of a record's before and after, side by side; changed ones marked. */
export function diff(record: AuditValues): FieldChange[] {
  const before = record.before ?? {};
  const after = record.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return fields.map((field) => {
    const b = field in before ? before[field] : undefined;
    const a = field in after ? after[field] : undefined;
    return { field, before: b, after: a, changed: JSON.stringify(b) !== JSON.stringify(a) };
  });
}

/** A JSON value as one readable line (absent fields as an em dash). */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
