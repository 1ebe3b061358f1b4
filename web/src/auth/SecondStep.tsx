// The second step of a sign-in: a code from the app (or a recovery code); or, when the
// user's role requires a second factor and they have none, enrolling one first. There is
// no way past it but a right code.
import { useState, type FormEvent } from "react";
import { api, call, type Schemas } from "../api/client";
import { Field, FormProblem } from "../components/ui";
import { RecoveryCodesList, TotpEnrolment } from "./TotpEnrolment";

type Challenge = Schemas["SecondFactorChallenge"];
type Tokens = Schemas["TokenResponse"];

export function SecondStep({ challenge, onSignedIn, onRestart }: { challenge: Challenge; onSignedIn: (tokens: Tokens) => void; onRestart: () => void }) {
  return challenge.second_factor === "totp" ? (
    <CodeStep challenge={challenge} onSignedIn={onSignedIn} onRestart={onRestart} />
  ) : (
    <EnrolStep challenge={challenge} onSignedIn={onSignedIn} onRestart={onRestart} />
  );
}

function CodeStep({ challenge, onSignedIn, onRestart }: { challenge: Challenge; onSignedIn: (tokens: Tokens) => void; onRestart: () => void }) {
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn(await call(api.POST("/auth/login/second-factor", { body: { challenge: challenge.challenge, code: code.trim() } })));
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby="second-step-title">
      <h1 id="second-step-title">Two-step sign-in</h1>
      <p className="muted">Enter the six-digit code from your authenticator app, or one of your recovery codes.</p>
      <Field label="Code" name="code" autoComplete="one-time-code" autoFocus required maxLength={20} value={code} onChange={(e) => setCode(e.target.value)} problem={problem} />
      <FormProblem problem={problem} fields={["code"]} />
      <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
        {busy ? "Checking…" : "Verify"}
      </button>
      <button className="btn btn-ghost btn-block" type="button" onClick={onRestart}>
        Start again
      </button>
    </form>
  );
}

function EnrolStep({ challenge, onSignedIn, onRestart }: { challenge: Challenge; onSignedIn: (tokens: Tokens) => void; onRestart: () => void }) {
  const [setup, setSetup] = useState<Schemas["TotpSetup"] | null>(null);
  const [done, setDone] = useState<Schemas["EnrolledSignIn"] | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function run<T>(work: () => Promise<T>, then: (value: T) => void) {
    setBusy(true);
    setProblem(null);
    try {
      then(await work());
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <div className="stack">
        <h1 id="second-step-title">Two-step sign-in is on</h1>
        <RecoveryCodesList codes={done.recovery_codes} />
        <button className="btn btn-primary btn-block" type="button" onClick={() => onSignedIn(done.tokens)}>
          Continue
        </button>
      </div>
    );
  }
  return (
    <div className="stack">
      <h1 id="second-step-title">Set up two-step sign-in</h1>
      <p className="muted">Your role requires a code from an authenticator app at every sign-in. Set it up now to continue.</p>
      {setup ? (
        <TotpEnrolment
          setup={setup}
          pending={busy}
          problem={problem}
          submitLabel="Turn on and sign in"
          onConfirm={(code) => void run(() => call(api.POST("/auth/login/enrol/confirm", { body: { challenge: challenge.challenge, code } })), setDone)}
        />
      ) : (
        <>
          <FormProblem problem={problem} fields={[]} />
          <button className="btn btn-primary btn-block" type="button" disabled={busy} onClick={() => void run(() => call(api.POST("/auth/login/enrol", { body: { challenge: challenge.challenge } })), setSetup)}>
            {busy ? "Preparing…" : "Set up an authenticator app"}
          </button>
        </>
      )}
      <button className="btn btn-ghost btn-block" type="button" onClick={onRestart}>
        Start again
      </button>
    </div>
  );
}
