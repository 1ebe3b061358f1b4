import { DataTable, type Column } from "../../components/DataTable";
import { date, dateTime } from "../../lib/format";
import type { User } from "./queries";
import { ActiveBadge, RoleBadge } from "./roles";

export function UsersTable({ users, me, onEdit }: { users: User[]; me: string | null; onEdit: (user: User) => void }) {
  const columns: Column<User>[] = [
    {
      header: "Username",
      cell: (u) => (
        <span className="admin-name">
          <span data-testid="username">{u.username}</span>
          {u.username === me && <span className="badge badge-info">You</span>}
        </span>
      ),
    },
    { header: "Email", cell: (u) => u.email || <span className="muted">—</span>, className: "admin-email" },
    { header: "Role", cell: (u) => <RoleBadge role={u.role} /> },
    { header: "Status", cell: (u) => <ActiveBadge active={u.active} /> },
    {
      header: "Last sign-in",
      cell: (u) => (u.last_login_at ? dateTime(u.last_login_at) : <span className="muted">Never</span>),
      className: "admin-nowrap",
    },
    { header: "Created", cell: (u) => date(u.created_at), className: "admin-optional admin-nowrap" },
    {
      header: <span className="sr-only">Actions</span>,
      cell: (u) => (
        <button className="btn btn-small" type="button" aria-label={`Edit ${u.username}`} onClick={() => onEdit(u)}>
          Edit
        </button>
      ),
      className: "admin-actions",
    },
  ];
  return (
    <DataTable
      columns={columns}
      rows={users}
      rowKey={(u) => u.id}
      label="Users"
      testId="users-table"
      rowClassName={(u) => (u.active ? undefined : "admin-disabled")}
    />
  );
}
