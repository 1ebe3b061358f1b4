// "Sign in with SSO" beside the local login, when the server says single sign-on is set up.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, call } from "../api/client";
import { authorizationUrl } from "./pkce";
import "./sso.css";

export function SsoButton({ from }: { from: string }) {
  const config = useQuery({
    queryKey: ["auth", "sso", "config"],
    queryFn: () => call(api.GET("/auth/sso/config")),
    staleTime: 10 * 60_000,
    retry: false,
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sso = config.data;
  if (!sso?.enabled || !sso.authorization_endpoint || !sso.client_id) return null;
  const start = { authorization_endpoint: sso.authorization_endpoint, client_id: sso.client_id, scopes: sso.scopes ?? "openid" };

  async function begin() {
    setBusy(true);
    setError(null);
    try {
      window.location.assign(await authorizationUrl(start, window.location.origin, from, window.sessionStorage));
    } catch {
      setBusy(false);
      setError("Single sign-on cannot start in this browser.");
    }
  }

  return (
    <>
      <p className="login-or">or</p>
      <button className="btn btn-block" type="button" onClick={begin} disabled={busy}>
        {busy ? "Opening the sign-on provider…" : "Sign in with SSO"}
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
