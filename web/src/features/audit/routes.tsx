import { lazy } from "react";
import type { RouteObject } from "react-router";

const AuditPage = lazy(() => import("./AuditPage"));

export const auditRoutes: RouteObject[] = [{ path: "admin/audit", element: <AuditPage /> }];
