import { lazy } from "react";
import type { RouteObject } from "react-router";

const InventoryPage = lazy(() => import("./InventoryPage"));

export const inventoryRoutes: RouteObject[] = [{ path: "inventory", element: <InventoryPage /> }];
