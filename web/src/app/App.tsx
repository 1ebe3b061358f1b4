import { Suspense } from "react";
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation, type RouteObject } from "react-router";
import { AuthProvider, useAuth } from "../auth/AuthContext";
import LoginPage from "../auth/LoginPage";
import SsoCallbackPage from "../auth/SsoCallbackPage";
import { Loading } from "../components/ui";
import { adminRoutes } from "../features/admin/routes";
import { billingRoutes } from "../features/billing/routes";
import { customersRoutes } from "../features/customers/routes";
import { dashboardRoutes } from "../features/dashboard/routes";
import { inventoryRoutes } from "../features/inventory/routes";
import { ordersRoutes } from "../features/orders/routes";
import { sessionsRoutes } from "../features/sessions/routes";
import { LiveProvider } from "../live/LiveProvider";
import { Layout } from "./Layout";
import { NotFound } from "./NotFound";

function RequireAuth() {
  const auth = useAuth();
  const location = useLocation();
  if (!auth.signedIn) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <LiveProvider enabled>
      <Layout>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </Layout>
    </LiveProvider>
  );
}

const routes: RouteObject[] = [
  { path: "/login", element: <LoginPage /> },
  { path: "/sso/callback", element: <SsoCallbackPage /> },
  {
    element: <RequireAuth />,
    children: [...dashboardRoutes, ...ordersRoutes, ...customersRoutes, ...inventoryRoutes, ...billingRoutes, ...adminRoutes, ...sessionsRoutes, { path: "*", element: <NotFound /> }],
  },
];

const router = createBrowserRouter(routes, { basename: "/app" });

export function App() {
  return (
    <AuthProvider>
      <RouterProvider router={router} />
    </AuthProvider>
  );
}
