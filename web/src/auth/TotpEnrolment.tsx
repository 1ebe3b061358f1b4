// Enrolling an authenticator app: the QR code (and the secret, for typing in), then a code
// from the app to prove it works. Used on "My sessions" and, for a role that requires a
// second factor, during sign-in.
import { useState, type FormEvent } from "react";
import type { Schemas } from "../api/client";
import { Field, FormProblem } from "../components/ui";
import "./totp.css";

export function TotpEnrolment({
  setup,
  onConfirm,
  pending,
  problem,
  submitLabel = "Turn on",
  onCancel,
}: {
  setup: Schemas["TotpSetup"];
  onConfirm: (code: string) => void;
  pending: boolean;
  problem: unknown;
  submitLabel?: string;
  onCancel?: () => void;
}) {
  const [code, setCode] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onConfirm(code.replace(/\s+/g, ""));
  };
  return (
    <form className="stack totp-enrol" onSubmit={submit} noValidate aria-label="Set up an authenticator app">
      <ol className="totp-steps">
        <li>Scan this code with an authenticator app (for example FreeOTP, Aegis or Google Authenticator).</li>
        <li>Enter the six-digit code the app shows.</li>
      </ol>
      <img className="totp-qr" src={setup.qr_svg} alt="QR code to scan with an authenticator app" data-testid="totp-qr" />
      <p className="muted totp-secret-line">
        Cannot scan? Enter this key by hand: <code className="mono totp-secret" data-testid="totp-secret">{setup.secret}</code>
      </p>
      <Field
        label="Code from the app"
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={7}
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
        problem={problem}
      />
      <FormProblem problem={problem} fields={["code"]} />
      <div className="form-actions">
        {onCancel && (
          <button className="btn" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button className="btn btn-primary" type="submit" disabled={pending}>
          {pending ? "Checking…" : submitLabel}
        </button>
      </div>
    </form>
  );
}

/** Recovery codes, shown once: each signs in once when the phone is not at hand. */
export function RecoveryCodesList({ codes }: { codes: string[] }) {
  return (
    <div className="recovery" data-testid="recovery-codes">
      <p>
        <strong>Keep these recovery codes somewhere safe.</strong> Each one signs you in once without the app. They are shown only now.
      </p>
      <ul className="recovery-list mono" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
    </div>
  );
}
