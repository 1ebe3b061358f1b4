import { lazy } from "react";
import type { RouteObject } from "react-router";

const OrdersPage = lazy(() => import("./OrdersPage"));

export const ordersRoutes: RouteObject[] = [{ path: "orders", element: <OrdersPage /> }];
