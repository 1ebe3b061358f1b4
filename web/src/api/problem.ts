// An application/problem+json answer as an error the pages can show, field by field.
export interface FieldError {
  field: string;
  message: string;
}

/** An application/problem+json answer, thrown by `call`. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly errors: FieldError[];

  constructor(status: number, body: unknown) {
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const detail = typeof b.detail === "string" ? b.detail : `The server answered ${status}.`;
    super(detail);
    this.status = status;
    this.code = typeof b.code === "string" ? b.code : "error";
    this.field = typeof b.field === "string" ? b.field : undefined;
    const listed = Array.isArray(b.errors) ? (b.errors as FieldError[]) : [];
    this.errors = listed.length ? listed : this.field ? [{ field: this.field, message: detail }] : [];
  }

  /** The message for a form field: exact name first, then the last part ("items.0.qty" → "qty"). */
  messageFor(field: string): string | undefined {
    const exact = this.errors.find((e) => e.field === field);
    if (exact) return exact.message;
    return this.errors.find((e) => e.field.endsWith(`.${field}`))?.message;
  }
}
