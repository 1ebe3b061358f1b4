// The audit log's queries. Keys start with "audit"; the log only grows, so pages are read
// by a cursor (the oldest seq shown) rather than an offset that new records would shift.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";
import { dayRange } from "../../lib/days";
import type { AuditFilters } from "./records";

export { diff, readFilters, shown, type AuditFilters } from "./records";
export type AuditRecord = Schemas["AuditRecordRead"];
export type ChainStatus = Schemas["ChainStatus"];
export const PAGE_SIZE = 25;

export function useAuditPage(filters: AuditFilters, beforeSeq: number | undefined) {
  const query = {
    ...filters,
    ...dayRange(filters.from, filters.to),
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

