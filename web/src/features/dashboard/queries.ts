// The analytics reports the dashboard reads. Every key starts with "query" so the live
// stream refreshes them after each committed batch, without polling.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ApiProblem, api, call, type Schemas } from "../../api/client";

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Reports also offer CSV and Excel; the client types that as a string we never ask for. */
async function json<T>(request: Promise<Outcome<T>>): Promise<Exclude<T, string>> {
  return (await call(request)) as Exclude<T, string>;
}

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];

export function parsePeriod(value: string | null): Period {
  const n = Number(value);
  return (PERIODS as readonly number[]).includes(n) ? (n as Period) : 30;
}

/** A report under the "query" prefix, keyed by its name and parameters; the last answer
 * stays on screen while the live stream's refetch runs. */
function useReport<T>(name: string, params: object, fetch: () => Promise<T>) {
  return useQuery({ queryKey: ["query", name, params], queryFn: fetch, placeholderData: keepPreviousData, staleTime: 30_000 });
}

export function useKpis(days: Period) {
  return useReport("kpis", { days }, () => json(api.GET("/query/kpis", { params: { query: { days } } })));
}

export function useSalesHourly(hours = 24) {
  return useReport("sales-hourly", { hours }, () => json(api.GET("/query/sales/hourly", { params: { query: { hours } } })));
}

export function useSalesDaily(days: Period) {
  return useReport("sales-daily", { days }, () => json(api.GET("/query/sales/daily", { params: { query: { days } } })));
}

export function useTopProducts(days: Period, limit = 6) {
  return useReport("top-products", { days, limit }, () => json(api.GET("/query/sales/top-products", { params: { query: { days, limit } } })));
}

export function useTopCustomers(days: Period, limit = 6) {
  return useReport("top-customers", { days, limit }, () => json(api.GET("/query/sales/top-customers", { params: { query: { days, limit } } })));
}

export function useLowStock() {
  return useReport("low-stock", {}, () => json(api.GET("/query/inventory/low-stock")));
}

export function useAging() {
  return useReport("ar-aging", {}, () => json(api.GET("/query/ar/aging")));
}

export function useOverdue(limit = 5) {
  return useReport("ar-overdue", { limit }, () => json(api.GET("/query/ar/overdue", { params: { query: { limit } } })));
}

export function useRecommendations() {
  return useReport("recommendations", {}, () => json(api.GET("/query/recommendations")));
}

export type Recommendation = Schemas["RecommendationsReport"]["rows"][number];
export type ReorderRecommendation = Schemas["ReorderRecommendation"];

/** A process without the analytics projector answers 503: say so in words a user can act on. */
export function friendlyError(error: unknown): unknown {
  if (error instanceof ApiProblem && error.code === "analytics_unavailable") {
    return new Error("Analytics is not available on this server right now. Try again in a moment.");
  }
  if (error instanceof ApiProblem && error.code === "rules_invalid") {
    return new Error("The recommendation rules cannot be read. An administrator needs to fix the rules file.");
  }
  return error;
}
