import { lazy } from "react";
import type { RouteObject } from "react-router";

const BillingPage = lazy(() => import("./BillingPage"));
const InvoiceDetailPage = lazy(() => import("./InvoiceDetailPage"));
const PaymentsPage = lazy(() => import("./PaymentsPage"));
const LedgerPage = lazy(() => import("./LedgerPage"));
const TrialBalancePage = lazy(() => import("./TrialBalancePage"));

export const billingRoutes: RouteObject[] = [
  { path: "billing", element: <BillingPage /> },
  { path: "billing/invoices/:invoiceId", element: <InvoiceDetailPage /> },
  { path: "billing/payments", element: <PaymentsPage /> },
  { path: "billing/ledger", element: <LedgerPage /> },
  { path: "billing/trial-balance", element: <TrialBalancePage /> },
];
