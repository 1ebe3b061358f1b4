// What each role may do, in words, for the person handing out roles. Mirrors the role →
// permission table of the server (platform/auth/permissions.py); the server remains the
// authority, this is documentation.
import { label } from "../../lib/format";
import type { Role } from "./queries";

const TONE: Record<Role, string> = {
  admin: "violet",
  accountant: "info",
  clerk: "ok",
  viewer: "muted",
};

export const ROLE_SUMMARY: Record<Role, string> = {
  admin: "Everything, including users and roles",
  accountant: "Sales and billing, prices, SQL reports",
  clerk: "Customers, orders, stock and payments; no prices",
  viewer: "Sees everything, changes nothing",
};

const ROLE_DETAILS: { role: Role; can: string[] }[] = [
  {
    role: "viewer",
    can: ["See customers, orders, stock, invoices, payments and the dashboard"],
  },
  {
    role: "clerk",
    can: [
      "Everything a viewer sees",
      "Add and edit customers",
      "Enter orders, move them along, and cancel them until they are invoiced",
      "Edit products (not their price or tax rate), receive and adjust stock, reserve and release it",
      "Record payments",
    ],
  },
  {
    role: "accountant",
    can: [
      "Everything a viewer sees",
      "Add and edit customers",
      "Enter orders, override prices on order lines, and cancel invoiced orders",
      "Set product prices and tax rates",
      "Issue and void invoices, credit notes and refunds",
      "Record payments",
      "Run SQL reports on the analytics data",
      "Read and export the audit log",
    ],
  },
  {
    role: "admin",
    can: ["Everything the other roles can do", "Create users, change their roles and passwords, disable them"],
  },
];

export function RoleBadge({ role }: { role: string }) {
  const tone = TONE[role as Role] ?? "muted";
  return <span className={`badge badge-${tone}`}>{label(role)}</span>;
}

export function ActiveBadge({ active }: { active: boolean }) {
  return <span className={`badge ${active ? "badge-ok" : "badge-bad"}`}>{active ? "Active" : "Disabled"}</span>;
}

export function RoleLegend() {
  return (
    <dl className="admin-legend" data-testid="role-legend">
      {ROLE_DETAILS.map(({ role, can }) => (
        <div key={role} className="admin-legend-item">
          <dt>
            <RoleBadge role={role} />
          </dt>
          <dd>
            <ul>
              {can.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </dd>
        </div>
      ))}
    </dl>
  );
}
