import { lazy } from "react";
import { Navigate, type RouteObject } from "react-router";
import { auditRoutes } from "../audit/routes";

const UsersPage = lazy(() => import("./UsersPage"));
const SettingsPage = lazy(() => import("../settings/SettingsPage"));

export const adminRoutes: RouteObject[] = [
  { path: "admin", element: <Navigate to="/admin/users" replace /> },
  { path: "admin/users", element: <UsersPage /> },
  ...auditRoutes,
  { path: "admin/settings", element: <SettingsPage /> },
];
