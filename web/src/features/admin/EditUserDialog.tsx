// Changing a user's role, whether they may sign in, and optionally their password. Only
// what changed is sent; the server refuses what it must (for example leaving no active
// admin) and its message is shown here.
import { useState, type FormEvent } from "react";
import { useAuth } from "../../auth/AuthContext";
import { Dialog } from "../../components/Dialog";
import { ApiProblem } from "../../api/client";
import { Field, FormActions, FormProblem, SelectField } from "../../components/ui";
import { useUpdateUser, type Role, type User, type UserChanges } from "./queries";
import { ResetSecondFactor } from "../sessions/ResetSecondFactor";
import { PASSWORD_HINT, RoleOptions } from "./RoleOptions";

const FIELDS = ["role", "active", "password"];

export function EditUserDialog({ user, onClose, onSaved }: { user: User | null; onClose: () => void; onSaved: (user: User) => void }) {
  return (
    <Dialog open={user !== null} title={user ? `Edit ${user.username}` : "Edit user"} onClose={onClose}>
      {user && <EditUserForm key={user.id} user={user} onClose={onClose} onSaved={onSaved} />}
    </Dialog>
  );
}

function EditUserForm({ user, onClose, onSaved }: { user: User; onClose: () => void; onSaved: (user: User) => void }) {
  const auth = useAuth();
  const [role, setRole] = useState<Role>(user.role as Role);
  const [active, setActive] = useState(user.active);
  const [password, setPassword] = useState("");
  const mutation = useUpdateUser(user.id, (saved) => {
    onSaved(saved);
    onClose();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const changes: UserChanges = {};
    if (role !== user.role) changes.role = role;
    if (active !== user.active) changes.active = active;
    if (password) changes.password = password;
    if (Object.keys(changes).length === 0) {
      onClose();
      return;
    }
    mutation.mutate(changes);
  };
  const problem = mutation.error;
  const activeError = problem instanceof ApiProblem ? problem.messageFor("active") : undefined;
  const self = user.username === auth.username;
  return (
    <form onSubmit={submit} noValidate className="stack admin-form" aria-label={`Edit ${user.username}`}>
      {self && (
        <p className="admin-note" data-testid="editing-self">
          This is your own account: a new role takes effect when your session renews, and disabling it ends your session.
        </p>
      )}
      <SelectField label="Role" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} problem={problem}>
        <RoleOptions />
      </SelectField>
      <div className="field">
        <label className="admin-check">
          <input type="checkbox" name="active" checked={active} onChange={(e) => setActive(e.target.checked)} aria-describedby="f-active-hint" />
          Active
        </label>
        <small id="f-active-hint" className="muted">
          A disabled user cannot sign in; a session they already have ends when it next renews.
        </small>
        {activeError && (
          <small className="field-error" role="alert">
            {activeError}
          </small>
        )}
      </div>
      <Field
        label="New password (optional)"
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        problem={problem}
        hint={`Leave empty to keep the current one. ${PASSWORD_HINT}`}
      />
      <ResetSecondFactor userId={user.id} username={user.username} />
      <FormProblem problem={problem} fields={FIELDS} />
      <FormActions onCancel={onClose} pending={mutation.isPending} label="Save changes" pendingLabel="Saving…" />
    </form>
  );
}
