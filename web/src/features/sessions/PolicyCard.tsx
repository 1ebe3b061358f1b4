// The roles whose users must sign in with a second factor: a user of such a role who has
// none sets one up at the next sign-in and cannot skip it.
import { useEffect, useState, type FormEvent } from "react";
import { label } from "../../lib/format";
import { Card, FormProblem, QueryView } from "../../components/ui";
import { usePolicy, useSetPolicy, type Role } from "./queries";

const ROLES: Role[] = ["admin", "accountant", "clerk", "viewer"];

export function PolicyCard() {
  const policy = usePolicy();
  const [chosen, setChosen] = useState<Set<Role>>(new Set());
  const [notice, setNotice] = useState("");
  const save = useSetPolicy(() => setNotice("Saved: the change applies from each user's next sign-in."));
  useEffect(() => {
    if (policy.data) setChosen(new Set(policy.data.required_roles));
  }, [policy.data]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice("");
    save.mutate(ROLES.filter((r) => chosen.has(r)));
  };
  const toggle = (role: Role, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(role);
    else next.delete(role);
    setChosen(next);
  };
  return (
    <Card title="Two-step sign-in by role">
      <QueryView query={policy}>
        {() => (
          <form className="stack" onSubmit={submit} aria-label="Two-step sign-in by role">
            <fieldset className="sessions-roles">
              <legend>Require an authenticator app for</legend>
              {ROLES.map((role) => (
                <label key={role} className="sessions-check">
                  <input type="checkbox" name="required_roles" value={role} checked={chosen.has(role)} onChange={(e) => toggle(role, e.target.checked)} />
                  {label(role)}
                </label>
              ))}
            </fieldset>
            <small className="muted">Users of these roles without one set it up at their next sign-in, and cannot turn it off.</small>
            <FormProblem problem={save.error} fields={[]} />
            <p className="sessions-notice" role="status" aria-live="polite">
              {notice}
            </p>
            <div className="form-actions">
              <button className="btn btn-primary" type="submit" disabled={save.isPending}>
                {save.isPending ? "Saving…" : "Save"}
              </button>
            </div>
          </form>
        )}
      </QueryView>
    </Card>
  );
}
