import { lazy } from "react";
import type { RouteObject } from "react-router";

const CustomersPage = lazy(() => import("./CustomersPage"));

export const customersRoutes: RouteObject[] = [{ path: "customers", element: <CustomersPage /> }];
