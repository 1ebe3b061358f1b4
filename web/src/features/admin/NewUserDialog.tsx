// Adding a user. The server checks the name, the email and the password; its messages
// appear next to the field they are about.
import { useState, type FormEvent } from "react";
import { Dialog } from "../../components/Dialog";
import { Field, FormActions, FormProblem, SelectField } from "../../components/ui";
import { useCreateUser, type Role, type User } from "./queries";
import { PASSWORD_HINT, RoleOptions } from "./RoleOptions";

const FIELDS = ["username", "email", "role", "password"];

export function NewUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (user: User) => void }) {
  return (
    <Dialog open={open} title="New user" onClose={onClose}>
      {open && <NewUserForm onClose={onClose} onCreated={onCreated} />}
    </Dialog>
  );
}

function NewUserForm({ onClose, onCreated }: { onClose: () => void; onCreated: (user: User) => void }) {
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  // The least a new account can do; the admin raises it on purpose.
  const [role, setRole] = useState<Role>("viewer");
  const [password, setPassword] = useState("");
  const mutation = useCreateUser((user) => {
    onCreated(user);
    onClose();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate({ username, password, role, email: email.trim() || null });
  };
  const problem = mutation.error;
  return (
    <form onSubmit={submit} noValidate className="stack admin-form" aria-label="New user">
      <Field
        label="Username"
        name="username"
        autoComplete="off"
        spellCheck={false}
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        problem={problem}
        hint="Letters, digits and . _ @ - ; not case-sensitive when signing in."
        required
      />
      <Field label="Email (optional)" name="email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} problem={problem} />
      <SelectField label="Role" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} problem={problem}>
        <RoleOptions />
      </SelectField>
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        problem={problem}
        hint={PASSWORD_HINT}
        required
      />
      <FormProblem problem={problem} fields={FIELDS} />
      <FormActions onCancel={onClose} pending={mutation.isPending} label="Create user" pendingLabel="Creating…" />
    </form>
  );
}
