// The customer pages' queries. A customer's orders and invoices use the orders and billing
// key prefixes, so the live stream and those modules' changes refresh them here too.
import { keepPreviousData, queryOptions, useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { api, call, type Schemas } from "../../api/client";
import { sumAmounts } from "../../lib/decimal";
import { isSearching, useDebounced } from "../../lib/useDebounced";

export type Customer = Schemas["CustomerRead"];
export const PAGE_SIZE = 25;
export const ACTIVITY_PAGE = 10;
/** The API's largest page: enough for every open invoice of one customer in practice. */
const OPEN_LIMIT = 500;

export function useCustomerPage(q: string, offset: number) {
  return useQuery({
    queryKey: ["customers", "list", { q, offset }],
    queryFn: () => call(api.GET("/customers", { params: { query: { q: q || undefined, limit: PAGE_SIZE, offset } } })),
    placeholderData: keepPreviousData,
  });
}

/** The key of one customer's query; a change to the customer puts its answer there. */
export const customerKey = (id: string) => ["customers", "one", id];

/** One customer, shared by every page that names them (names change rarely). */
function customerQuery(id: string) {
  return queryOptions({
    queryKey: customerKey(id),
    queryFn: () => call(api.GET("/customers/{customer_id}", { params: { path: { customer_id: id } } })),
    staleTime: 5 * 60_000,
  });
}

export function useCustomer(id: string | undefined) {
  return useQuery({ ...customerQuery(id ?? ""), enabled: !!id });
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
  const extra = useQueries({ queries: missing.map(customerQuery) });
  const names = new Map(known);
  for (const q of extra) if (q.data) names.set(q.data.id, q.data.name);
  return { names, loading: directory.isPending };
}

/** Customers whose name or email matches TEXT, searched once typing pauses (the pickers). */
export function useCustomerSearch(text: string, enabled: boolean) {
  const q = useDebounced(text.trim());
  const query = useQuery({
    queryKey: ["customers", "search", q],
    queryFn: () => call(api.GET("/customers", { params: { query: { q: q || undefined, limit: 10, offset: 0 } } })),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  return { items: query.data?.items, searching: isSearching(text, q, query.isFetching) };
}

export function useCustomerOrders(id: string, offset: number) {
  return useQuery({
    queryKey: ["orders", "by-customer", id, offset],
    queryFn: () => call(api.GET("/orders", { params: { query: { customer_id: id, limit: ACTIVITY_PAGE, offset } } })),
    placeholderData: keepPreviousData,
  });
}

export function useCustomerInvoices(id: string, offset: number) {
  return useQuery({
    queryKey: ["billing", "invoices", "by-customer", id, offset],
    queryFn: () => call(api.GET("/billing/invoices", { params: { query: { customer_id: id, limit: ACTIVITY_PAGE, offset } } })),
    placeholderData: keepPreviousData,
  });
}

export interface OpenBalance {
  balance: string;
  invoices: number;
  overdue: number;
  overdueBalance: string;
  /** More open invoices exist than one page holds; the sum covers the first page of each status. */
  partial: boolean;
}

/** What the customer owes: the balances of their issued and partly paid invoices. */
export function useOpenBalance(id: string) {
  return useQuery({
    queryKey: ["billing", "invoices", "customer-open", id],
    queryFn: async (): Promise<OpenBalance> => {
      const pages = await Promise.all(
        (["issued", "partially_paid"] as const).map((status) =>
          call(api.GET("/billing/invoices", { params: { query: { customer_id: id, status, limit: OPEN_LIMIT, offset: 0 } } })),
        ),
      );
      const open = pages.flatMap((p) => p.items);
      const overdue = open.filter((i) => i.overdue);
      return {
        balance: sumAmounts(open.map((i) => i.balance)),
        invoices: open.length,
        overdue: overdue.length,
        overdueBalance: sumAmounts(overdue.map((i) => i.balance)),
        partial: pages.some((p) => p.total > p.items.length),
      };
    },
  });
}
