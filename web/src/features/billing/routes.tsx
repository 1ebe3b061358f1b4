import { lazy } from "react";
import type { RouteObject } from "react-router";

const BillingPage = lazy(() => import("./BillingPage"));

export const billingRoutes: RouteObject[] = [{ path: "billing", element: <BillingPage /> }];
