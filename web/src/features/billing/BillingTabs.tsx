// The billing section's own navigation, under each page's header.
import { Link, useLocation } from "react-router";
import "./billing.css";

const TABS = [
  { to: "/billing", label: "Invoices", matches: (p: string) => p === "/billing" || p.startsWith("/billing/invoices") },
  { to: "/billing/payments", label: "Payments", matches: (p: string) => p.startsWith("/billing/payments") },
  { to: "/billing/ledger", label: "Ledger", matches: (p: string) => p.startsWith("/billing/ledger") },
  { to: "/billing/trial-balance", label: "Trial balance", matches: (p: string) => p.startsWith("/billing/trial-balance") },
];

export function BillingTabs() {
  // An invoice's own page belongs to the Invoices tab, which a plain NavLink cannot express.
  const pathname = useLocation().pathname.replace(/\/+$/, "");
  return (
    <nav className="billing-tabs" aria-label="Billing sections">
      {TABS.map((tab) => {
        const active = tab.matches(pathname);
        return (
          <Link key={tab.to} to={tab.to} className={`billing-tab ${active ? "active" : ""}`} aria-current={active ? "page" : undefined}>
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}
