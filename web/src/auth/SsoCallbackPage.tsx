// Where the sign-on provider sends the browser back: the code and this tab's PKCE verifier
// go to the server, which redeems them and answers with a Pulse session.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, ApiProblem, call } from "../api/client";
import { Logo } from "./LoginPage";
import { readCallback } from "./pkce";
import { session } from "./session";
import "./sso.css";

export default function SsoCallbackPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // the code is good once (React runs effects twice in development)
    started.current = true;
    const outcome = readCallback(window.location.search, window.sessionStorage);
    if (!outcome.ok) {
      setError(outcome.message);
      return;
    }
    call(
      api.POST("/auth/sso/session", {
        body: { code: outcome.code, code_verifier: outcome.verifier, redirect_uri: outcome.redirectUri },
      }),
    )
      .then((tokens) => {
        queryClient.clear();
        session.begin(tokens);
        navigate(outcome.from, { replace: true });
      })
      .catch((e: unknown) => setError(e instanceof ApiProblem ? e.message : "Signing in failed."));
  }, [navigate, queryClient]);

  return (
    <main className="login">
      <section className="login-card sso-callback" aria-labelledby="sso-title">
        <div className="brand brand-large">
          <Logo />
          <span>Pulse ERP</span>
        </div>
        <h1 id="sso-title">Single sign-on</h1>
        {error ? (
          <>
            <p className="form-error" role="alert">
              {error}
            </p>
            <Link className="btn btn-primary btn-block" to="/login">
              Back to sign in
            </Link>
          </>
        ) : (
          <p className="state" role="status">
            <span className="spinner" aria-hidden="true" /> Signing you in…
          </p>
        )}
      </section>
    </main>
  );
}
