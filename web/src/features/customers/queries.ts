// The customer pages' queries. A customer's orders and invoices use the orders and billing
// key prefixes, so the live stream and those modules' changes refresh them here too.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";
import { sumAmounts } from "../../lib/decimal";

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

export function useCustomer(id: string) {
  return useQuery({
    queryKey: ["customers", "one", id],
    queryFn: () => call(api.GET("/customers/{customer_id}", { params: { path: { customer_id: id } } })),
  });
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
