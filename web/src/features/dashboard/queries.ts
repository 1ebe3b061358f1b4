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

const live = { placeholderData: keepPreviousData, staleTime: 30_000 } as const;

export function useKpis(days: Period) {
  return useQuery({
    queryKey: ["query", "kpis", { days }],
    queryFn: () => json(api.GET("/query/kpis", { params: { query: { days } } })),
    ...live,
  });
}

export function useSalesHourly(hours = 24) {
  return useQuery({
    queryKey: ["query", "sales-hourly", { hours }],
    queryFn: () => json(api.GET("/query/sales/hourly", { params: { query: { hours } } })),
    ...live,
  });
}

export function useSalesDaily(days: Period) {
  return useQuery({
    queryKey: ["query", "sales-daily", { days }],
    queryFn: () => json(api.GET("/query/sales/daily", { params: { query: { days } } })),
    ...live,
  });
}

export function useTopProducts(days: Period, limit = 6) {
  return useQuery({
    queryKey: ["query", "top-products", { days, limit }],
    queryFn: () => json(api.GET("/query/sales/top-products", { params: { query: { days, limit } } })),
    ...live,
  });
}

export function useTopCustomers(days: Period, limit = 6) {
  return useQuery({
    queryKey: ["query", "top-customers", { days, limit }],
    queryFn: () => json(api.GET("/query/sales/top-customers", { params: { query: { days, limit } } })),
    ...live,
  });
}

export function useLowStock() {
  return useQuery({
    queryKey: ["query", "low-stock"],
    queryFn: () => json(api.GET("/query/inventory/low-stock")),
    ...live,
  });
}

export function useAging() {
  return useQuery({
    queryKey: ["query", "ar-aging"],
    queryFn: () => json(api.GET("/query/ar/aging")),
    ...live,
  });
}

export function useOverdue(limit = 5) {
  return useQuery({
    queryKey: ["query", "ar-overdue", { limit }],
    queryFn: () => json(api.GET("/query/ar/overdue", { params: { query: { limit } } })),
    ...live,
  });
}

export function useRecommendations() {
  return useQuery({
    queryKey: ["query", "recommendations"],
    queryFn: () => json(api.GET("/query/recommendations")),
    ...live,
  });
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
