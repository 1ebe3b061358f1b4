// The one way the app talks to the server: a client generated from the OpenAPI document
// (schema.d.ts), with the bearer token added and refreshed before it runs out.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { session } from "../auth/session";

export type Schemas = components["schemas"];

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

const auth: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (schemaPath.startsWith("/auth/login") || schemaPath.startsWith("/auth/refresh")) return request;
    const token = await session.accessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  async onResponse({ response, schemaPath }) {
    if (response.status === 401 && !schemaPath.startsWith("/auth/login")) session.expire();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Await a client call: its data, or an ApiProblem. */
export async function call<T>(request: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await request;
  } catch (error) {
    throw new ApiProblem(0, { detail: "The server cannot be reached. Check the connection and try again." });
  }
  if (outcome.error !== undefined || !outcome.response.ok) {
    throw new ApiProblem(outcome.response.status, outcome.error);
  }
  return outcome.data as T;
}

/** A file the API serves (a PDF, an export), fetched with the token and saved by the browser. */
export async function download(path: string, filename: string): Promise<void> {
  const token = await session.accessToken();
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new ApiProblem(response.status, body);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
