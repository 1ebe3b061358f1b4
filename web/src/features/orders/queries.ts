// Data the orders pages share: customer names (the order list carries only ids), and the
// debounced searches behind the pickers.
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { api, call, type Schemas } from "../../api/client";

export type Order = Schemas["OrderRead"];
export type OrderStatus = Schemas["OrderStatus"];
export type Customer = Schemas["CustomerRead"];
export type Stock = Schemas["StockRead"];

export const ORDER_STATUSES: OrderStatus[] = ["placed", "confirmed", "rejected", "invoiced", "paid", "shipped", "completed", "cancelled"];

export function useDebounced<T>(value: T, ms = 200): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

const DIRECTORY_LIMIT = 500;

/** All customers up to the API's page maximum; enough to name every order and fill a filter. */
export function useCustomerDirectory() {
  return useQuery({
    queryKey: ["customers", "directory", DIRECTORY_LIMIT],
    queryFn: () => call(api.GET("/customers", { params: { query: { limit: DIRECTORY_LIMIT, offset: 0 } } })),
    staleTime: 5 * 60_000,
  });
}

/** A name for each id; ids beyond the directory's first page are fetched one by one. */
export function useCustomerNames(ids: string[]): { names: Map<string, string>; loading: boolean } {
  const directory = useCustomerDirectory();
  const known = useMemo(() => new Map((directory.data?.items ?? []).map((c) => [c.id, c.name])), [directory.data]);
  const complete = directory.data !== undefined && directory.data.total <= directory.data.items.length;
  const missing = useMemo(
    () => (directory.data === undefined || complete ? [] : [...new Set(ids)].filter((id) => !known.has(id))),
    [ids, known, complete, directory.data],
  );
  const extra = useQueries({
    queries: missing.map((id) => ({
      queryKey: ["customers", "one", id],
      queryFn: () => call(api.GET("/customers/{customer_id}", { params: { path: { customer_id: id } } })),
      staleTime: 5 * 60_000,
    })),
  });
  const names = new Map(known);
  for (const q of extra) if (q.data) names.set(q.data.id, q.data.name);
  return { names, loading: directory.isPending };
}

export function useCustomer(id: string | undefined) {
  return useQuery({
    queryKey: ["customers", "one", id],
    queryFn: () => call(api.GET("/customers/{customer_id}", { params: { path: { customer_id: id! } } })),
    enabled: !!id,
    staleTime: 5 * 60_000,
  });
}

export function useCustomerSearch(text: string, enabled: boolean) {
  const q = useDebounced(text.trim());
  return useQuery({
    queryKey: ["customers", "search", q],
    queryFn: () => call(api.GET("/customers", { params: { query: { q: q || undefined, limit: 10, offset: 0 } } })),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

export function useProductSearch(text: string, enabled: boolean) {
  const q = useDebounced(text.trim());
  return useQuery({
    queryKey: ["inventory", "order-picker", q],
    queryFn: () => call(api.GET("/inventory", { params: { query: { q: q || undefined, active: true, limit: 10, offset: 0 } } })),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 15_000,
  });
}
