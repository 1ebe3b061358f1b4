// The inventory queries the pages share. Every key starts with "inventory" so the live
// stream refreshes stock figures after each analytics batch, and one invalidation after a
// change refreshes the list, the product and its history together.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";

export type Stock = Schemas["StockRead"];
export type Movement = Schemas["MovementRead"];

export const PAGE_SIZE = 25;
export function useStockPage(q: string, offset: number, lowOnly: boolean) {
  return useQuery({
    queryKey: ["inventory", "list", { q, offset, lowOnly }],
    queryFn: () =>
      call(
        api.GET("/inventory", {
          // The low-stock view is for reordering: products that are still sold.
          params: { query: { q: q || undefined, low_stock: lowOnly, active: lowOnly ? true : undefined, limit: PAGE_SIZE, offset } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useStock(sku: string) {
  return useQuery({
    queryKey: ["inventory", "product", sku],
    queryFn: () => call(api.GET("/inventory/{sku}", { params: { path: { sku } } })),
  });
}

export function useMovements(sku: string, offset: number) {
  return useQuery({
    queryKey: ["inventory", "movements", sku, offset],
    queryFn: () => call(api.GET("/inventory/{sku}/movements", { params: { path: { sku }, query: { limit: PAGE_SIZE, offset } } })),
    placeholderData: keepPreviousData,
  });
}
