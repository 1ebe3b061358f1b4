// The one way the app talks to the server: a client generated from the OpenAPI document
// (schema.d.ts), with the bearer token added and refreshed before it runs out.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { session } from "../auth/session";
import { ApiProblem } from "./problem";

export { ApiProblem, type FieldError } from "./problem";

export type Schemas = components["schemas"];

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
