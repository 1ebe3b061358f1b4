import { lazy } from "react";
import type { RouteObject } from "react-router";

const OrdersPage = lazy(() => import("./OrdersPage"));
const NewOrderPage = lazy(() => import("./NewOrderPage"));
const OrderDetailPage = lazy(() => import("./OrderDetailPage"));

export const ordersRoutes: RouteObject[] = [
  { path: "orders", element: <OrdersPage /> },
  { path: "orders/new", element: <NewOrderPage /> },
  { path: "orders/:orderId", element: <OrderDetailPage /> },
];
