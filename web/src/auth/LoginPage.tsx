import { useState, type FormEvent } from "react";
import { Navigate, useLocation } from "react-router";
import { ApiProblem, type Schemas } from "../api/client";
import { useAuth } from "./AuthContext";
import { SecondStep } from "./SecondStep";
import { SsoButton } from "./SsoButton";

export default function LoginPage() {
  const auth = useAuth();
  const location = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<Schemas["SecondFactorChallenge"] | null>(null);
  const from = (location.state as { from?: string } | null)?.from ?? "/";

  if (auth.signedIn) return <Navigate to={from} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setChallenge(await auth.signIn(username.trim(), password));
      setPassword("");
    } catch (e) {
      setError(e instanceof ApiProblem ? e.message : "Signing in failed.");
    } finally {
      setBusy(false);
    }
  }

  if (challenge) {
    return (
      <main className="login">
        <div className="login-card">
          <div className="brand brand-large">
            <Logo />
            <span>Pulse ERP</span>
          </div>
          <SecondStep challenge={challenge} onSignedIn={auth.begin} onRestart={() => setChallenge(null)} />
        </div>
      </main>
    );
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-large">
          <Logo />
          <span>Pulse ERP</span>
        </div>
        <h1 id="login-title">Sign in</h1>
        <label className="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <SsoButton from={from} />
      </form>
    </main>
  );
}

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="currentColor" />
      <path d="M5 17h6l3-8 4 14 3-6h6" fill="none" stroke="white" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
