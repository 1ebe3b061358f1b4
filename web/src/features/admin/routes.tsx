import { lazy } from "react";
import { Navigate, type RouteObject } from "react-router";

const UsersPage = lazy(() => import("./UsersPage"));
const SettingsPage = lazy(() => import("../settings/SettingsPage"));

export const adminRoutes: RouteObject[] = [
  { path: "admin", element: <Navigate to="/admin/users" replace /> },
  { path: "admin/users", element: <UsersPage /> },
  { path: "admin/settings", element: <SettingsPage /> },
];
