// Two-step sign-in for the signed-in user: turn it on (QR code, then a code), see how many
// recovery codes are left, get new ones, or turn it off (with a code) unless the role
// requires it.
import { useState, type FormEvent } from "react";
import { RecoveryCodesList, TotpEnrolment } from "../../auth/TotpEnrolment";
import { date } from "../../lib/format";
import { Card, Field, FormProblem, QueryView } from "../../components/ui";
import { useConfirm, useDisable, useRenewCodes, useSecondFactor, useSetUp, type Setup } from "./queries";

export function TwoFactorCard() {
  const status = useSecondFactor();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [action, setAction] = useState<"renew" | "disable" | null>(null);
  const [notice, setNotice] = useState("");
  const start = useSetUp(setSetup);
  const confirm = useConfirm((fresh) => {
    setSetup(null);
    setCodes(fresh);
    setNotice("Two-step sign-in is on.");
  });

  return (
    <Card title="Two-step sign-in" className="sessions-2fa">
      <p className="sessions-notice" role="status" aria-live="polite">
        {notice}
      </p>
      <QueryView query={status}>
        {(s) => (
          <div className="stack">
            {s.enabled ? (
              <p data-testid="second-factor-state">
                <span className="badge badge-ok">On</span> since {date(s.confirmed_at)} · {s.recovery_codes_left} recovery {s.recovery_codes_left === 1 ? "code" : "codes"} left
              </p>
            ) : (
              <p data-testid="second-factor-state">
                <span className="badge badge-muted">Off</span> Sign-in asks for your password only.
                {s.required && <strong> Your role requires it: you will set it up at your next sign-in.</strong>}
              </p>
            )}
            {codes && <RecoveryCodesList codes={codes} />}
            {!s.enabled && !setup && (
              <div>
                <button className="btn btn-primary" type="button" disabled={start.isPending} onClick={() => start.mutate(undefined)}>
                  Set up an authenticator app
                </button>
                <FormProblem problem={start.error} fields={[]} />
              </div>
            )}
            {!s.enabled && setup && (
              <TotpEnrolment setup={setup} pending={confirm.isPending} problem={confirm.error} onConfirm={(code) => confirm.mutate(code)} onCancel={() => setSetup(null)} />
            )}
            {s.enabled && !action && (
              <div className="form-actions sessions-2fa-actions">
                <button className="btn" type="button" onClick={() => setAction("renew")}>
                  New recovery codes
                </button>
                {!s.required && (
                  <button className="btn btn-danger" type="button" onClick={() => setAction("disable")}>
                    Turn off
                  </button>
                )}
              </div>
            )}
            {s.enabled && action && (
              <CodeForm
                action={action}
                onCancel={() => setAction(null)}
                onRenewed={(fresh) => {
                  setAction(null);
                  setCodes(fresh);
                  setNotice("New recovery codes: the old ones no longer work.");
                }}
                onDisabled={() => {
                  setAction(null);
                  setCodes(null);
                  setNotice("Two-step sign-in is off.");
                }}
              />
            )}
          </div>
        )}
      </QueryView>
    </Card>
  );
}

function CodeForm({ action, onCancel, onRenewed, onDisabled }: { action: "renew" | "disable"; onCancel: () => void; onRenewed: (codes: string[]) => void; onDisabled: () => void }) {
  const [code, setCode] = useState("");
  const renew = useRenewCodes(onRenewed);
  const disable = useDisable(onDisabled);
  const mutation = action === "renew" ? renew : disable;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate(code.trim());
  };
  const label = action === "renew" ? "Code from the app" : "Code from the app, or a recovery code";
  return (
    <form className="stack" onSubmit={submit} noValidate aria-label={action === "renew" ? "New recovery codes" : "Turn off two-step sign-in"}>
      <Field label={label} name="code" autoComplete="one-time-code" maxLength={20} required value={code} onChange={(e) => setCode(e.target.value)} problem={mutation.error} />
      <FormProblem problem={mutation.error} fields={["code"]} />
      <div className="form-actions">
        <button className="btn" type="button" onClick={onCancel}>
          Cancel
        </button>
        <button className={`btn ${action === "renew" ? "btn-primary" : "btn-danger"}`} type="submit" disabled={mutation.isPending}>
          {action === "renew" ? "Get new codes" : "Turn off"}
        </button>
      </div>
    </form>
  );
}
