// The audit log's queries. Keys start with "audit"; the log only grows, so pages are read
// by a cursor (the oldest seq shown) rather than an offset that new records would shift.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";
import type { AuditFilters } from "./records";

export { diff, readFilters, shown, type AuditFilters } from "./records";
export type AuditRecord = Schemas["AuditRecordRead"];
export type ChainStatus = Schemas["ChainStatus"];
export const PAGE_SIZE = 25;

/** Local calendar days as instants: "to" is inclusive here and exclusive for the API. */
function startOfDay(day: string, plusDays = 0): string {
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

export function useAuditPage(filters: AuditFilters, beforeSeq: number | undefined) {
  const query = {
    ...filters,
    from: filters.from ? startOfDay(filters.from) : undefined,
    to: filters.to ? startOfDay(filters.to, 1) : undefined,
    before_seq: beforeSeq,
    limit: PAGE_SIZE,
  };
  return useQuery({
    queryKey: ["audit", "records", filters, beforeSeq ?? null],
    queryFn: () => call(api.GET("/audit/records", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

export function useChainStatus() {
  return useQuery({
    queryKey: ["audit", "verify"],
    queryFn: () => call(api.GET("/audit/verify")),
    // A walk of the whole chain: on demand and now and then, not on every focus.
    refetchOnWindowFocus: false,
    staleTime: 60_000,
  });
}

