// Data the orders pages share; customers' names and searches come from the customers feature.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";
import { isSearching, useDebounced } from "../../lib/useDebounced";

export type Order = Schemas["OrderRead"];
export type OrderStatus = Schemas["OrderStatus"];
export type Stock = Schemas["StockRead"];

/** The key of one order's query; a move of the order puts its answer there. */
export const orderKey = (id: string) => ["orders", "detail", id];

export const ORDER_STATUSES: OrderStatus[] = ["placed", "confirmed", "rejected", "invoiced", "paid", "shipped", "completed", "cancelled"];

/** Active products matching TEXT, for the order form's picker. */
export function useProductSearch(text: string, enabled: boolean) {
  const q = useDebounced(text.trim());
  const query = useQuery({
    queryKey: ["inventory", "order-picker", q],
    queryFn: () => call(api.GET("/inventory", { params: { query: { q: q || undefined, active: true, limit: 10, offset: 0 } } })),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 15_000,
  });
  return { items: query.data?.items, searching: isSearching(text, q, query.isFetching) };
}
