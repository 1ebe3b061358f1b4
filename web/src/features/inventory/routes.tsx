import { lazy } from "react";
import type { RouteObject } from "react-router";

const InventoryListPage = lazy(() => import("./InventoryListPage"));
const ProductPage = lazy(() => import("./ProductPage"));

export const inventoryRoutes: RouteObject[] = [
  { path: "inventory", element: <InventoryListPage /> },
  { path: "inventory/:sku", element: <ProductPage /> },
];
