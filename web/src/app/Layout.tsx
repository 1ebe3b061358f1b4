import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { useAuth } from "../auth/AuthContext";
import { Logo } from "../auth/LoginPage";
import { label } from "../lib/format";
import { FormatProvider } from "../components/Formatting";
import { useCompanySettings } from "../features/settings/queries";
import { useLive } from "../live/LiveProvider";

const NAV: { to: string; label: string; icon: string; permission?: string }[] = [
  { to: "/", label: "Dashboard", icon: "M3 13h8V3H3v10zm0 8h8v-6H3v6zm10 0h8V11h-8v10zm0-18v6h8V3h-8z" },
  { to: "/orders", label: "Orders", icon: "M7 4h10l1 3H6l1-3zm-2 5h14v11H5V9zm4 3v2h6v-2H9z" },
  { to: "/customers", label: "Customers", icon: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-8 8c0-4 4-6 8-6s8 2 8 6v1H4v-1z" },
  { to: "/inventory", label: "Inventory", icon: "M3 7l9-4 9 4v10l-9 4-9-4V7zm9 2 6-3-6-2.6L6 6l6 3zm-7 7 6 2.7V11L5 8.3V16z" },
  { to: "/billing", label: "Billing", icon: "M6 2h12v20l-3-2-3 2-3-2-3 2V2zm3 5v2h6V7H9zm0 4v2h6v-2H9z" },
  {
    to: "/admin/users",
    label: "Users",
    permission: "users:admin",
    icon: "M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zm7.5 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 20c0-3.3 3.1-5 7-5s7 1.7 7 5v1H2v-1zm15.2-4.9c2.7.3 4.8 1.8 4.8 4.4V21h-4v-1c0-1.9-.3-3.6-.8-4.9z",
  },
  {
    to: "/admin/audit",
    label: "Audit log",
    permission: "audit:read",
    icon: "M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3zm-1 14-4-4 1.4-1.4L11 13.2l4.6-4.6L17 10l-6 6z",
  },
  {
    to: "/admin/sessions",
    label: "Sessions",
    permission: "sessions:manage",
    icon: "M3 5h18v11H3V5zm2 2v7h14V7H5zm3 11h8v2H8v-2z",
  },
  {
    to: "/admin/settings",
    label: "Settings",
    permission: "settings:manage",
    icon: "M19.4 13a7.6 7.6 0 0 0 0-2l2.1-1.6-2-3.4-2.5 1a7.4 7.4 0 0 0-1.7-1L15 3.4h-4l-.4 2.6a7.4 7.4 0 0 0-1.7 1l-2.5-1-2 3.4L6.6 11a7.6 7.6 0 0 0 0 2l-2.1 1.6 2 3.4 2.5-1a7.4 7.4 0 0 0 1.7 1l.4 2.6h4l.4-2.6a7.4 7.4 0 0 0 1.7-1l2.5 1 2-3.4-2.1-1.6zM12 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z",
  },
];

export function Layout({ children }: { children: ReactNode }) {
  const auth = useAuth();
  const live = useLive();

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <Logo />
          <span>Pulse ERP</span>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.permission || auth.can(item.permission)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === "/"} className="nav-link">
                  <svg viewBox="0 0 24 24" aria-hidden="true">
                    <path d={item.icon} fill="currentColor" />
                  </svg>
                  <span>{item.label}</span>
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="main-column">
        <header className="topbar">
          <span className={`live-dot ${live.connected ? "on" : ""}`} role="status" aria-live="polite">
            {live.connected ? "Live" : "Connecting…"}
          </span>
          <div className="user" data-testid="current-user">
            <span className="user-name">{auth.username}</span>
            {auth.role && <span className={`role role-${auth.role}`}>{label(auth.role)}</span>}
            <NavLink to="/sessions" className="btn btn-ghost btn-small">
              My sessions
            </NavLink>
            <button className="btn btn-ghost btn-small" type="button" onClick={() => void auth.signOut()}>
              Sign out
            </button>
          </div>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          <CompanyFormats currency={auth.me?.currency}>{children}</CompanyFormats>
        </main>
      </div>
    </div>
  );
}

/** Figures and dates in the company's locale and currency (Settings), once they are known:
 * the pages wait for them rather than redraw in another format a moment later. */
function CompanyFormats({ currency, children }: { currency?: string; children: ReactNode }) {
  const company = useCompanySettings();
  if (company.isPending) return null;
  return (
    <FormatProvider locale={company.data?.locale} currency={company.data?.currency ?? currency}>
      {children}
    </FormatProvider>
  );
}
