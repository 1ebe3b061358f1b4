import { lazy } from "react";
import type { RouteObject } from "react-router";

const CustomersListPage = lazy(() => import("./CustomersListPage"));
const CustomerPage = lazy(() => import("./CustomerPage"));

export const customersRoutes: RouteObject[] = [
  { path: "customers", element: <CustomersListPage /> },
  { path: "customers/:customerId", element: <CustomerPage /> },
];
