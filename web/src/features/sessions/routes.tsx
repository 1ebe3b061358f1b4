import { lazy } from "react";
import type { RouteObject } from "react-router";

const MySessionsPage = lazy(() => import("./MySessionsPage"));
const AllSessionsPage = lazy(() => import("./AllSessionsPage"));

export const sessionsRoutes: RouteObject[] = [
  { path: "sessions", element: <MySessionsPage /> },
  { path: "admin/sessions", element: <AllSessionsPage /> },
];
