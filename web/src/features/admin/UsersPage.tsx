// Users and roles: who may sign in and what each of them may do. Only admins get the list;
// anyone else who opens the address is told so instead of seeing an error.
import { useState } from "react";
import { ApiProblem } from "../../api/client";
import { useAuth } from "../../auth/AuthContext";
import { count, label } from "../../lib/format";
import { Card, PageHeader, PageView } from "../../components/ui";
import { EditUserDialog } from "./EditUserDialog";
import { PAGE_SIZE, useUrlOffset, useUserPage, type User } from "./queries";
import { NewUserDialog } from "./NewUserDialog";
import { NoAccess } from "./NoAccess";
import { RoleLegend } from "./roles";
import { UsersTable } from "./UsersTable";
import "./admin.css";

const SUBTITLE = "Who can sign in. A user's role decides what they may see and change.";

export default function UsersPage() {
  const auth = useAuth();
  const [offset, setOffset] = useUrlOffset();
  const users = useUserPage(offset);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [notice, setNotice] = useState("");

  const forbidden = users.error instanceof ApiProblem && users.error.status === 403;
  if (forbidden) {
    return (
      <>
        <PageHeader title="Users" subtitle={SUBTITLE} />
        <NoAccess />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Users"
        subtitle={SUBTITLE}
        actions={
          auth.can("users:admin") && (
            <button className="btn btn-primary" type="button" onClick={() => setCreating(true)}>
              New user
            </button>
          )
        }
      />
      <div className="admin-layout">
        <Card title={users.data ? `${count(users.data.total)} ${users.data.total === 1 ? "user" : "users"}` : "Users"}>
          <p className="admin-notice" role="status" aria-live="polite">
            {notice}
          </p>
          <PageView query={users} offset={offset} limit={PAGE_SIZE} onOffset={setOffset} empty="No users on this page.">
            {(items) => <UsersTable users={items} me={auth.username} onEdit={setEditing} />}
          </PageView>
        </Card>
        <Card title="What each role may do">
          <RoleLegend />
        </Card>
      </div>
      <NewUserDialog open={creating} onClose={() => setCreating(false)} onCreated={(u) => setNotice(`Created ${u.username} as ${label(u.role).toLowerCase()}.`)} />
      <EditUserDialog user={editing} onClose={() => setEditing(null)} onSaved={(u) => setNotice(`Saved changes to ${u.username}.`)} />
    </>
  );
}
