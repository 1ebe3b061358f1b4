// Authorization code with PKCE (RFC 7636) for "Sign in with SSO": the verifier is made and
// kept in this tab (sessionStorage) while the browser is at the provider; the callback sends
// the code and the verifier to the server, which redeems them at the provider's token
// endpoint and answers with a Pulse session (docs/SECURITY.md says why server-side).

const PENDING = "pulse.sso.pending";

export interface SsoStart {
  authorization_endpoint: string;
  client_id: string;
  scopes: string;
}

interface Pending {
  state: string;
  verifier: string;
  redirectUri: string;
  from: string;
}

export function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(size: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

/** The S256 challenge of a verifier: BASE64URL(SHA-256(verifier)). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export function callbackUri(origin: string): string {
  return `${origin}/app/sso/callback`;
}

/** The provider's authorization URL for a new attempt; what the callback needs is kept. */
export async function authorizationUrl(config: SsoStart, origin: string, from: string, storage: Storage): Promise<string> {
  const pending: Pending = { state: randomText(24), verifier: randomText(48), redirectUri: callbackUri(origin), from };
  storage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(config.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", config.client_id);
  url.searchParams.set("redirect_uri", pending.redirectUri);
  url.searchParams.set("scope", config.scopes);
  url.searchParams.set("state", pending.state);
  url.searchParams.set("code_challenge", await challengeOf(pending.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

export type CallbackOutcome =
  | { ok: true; code: string; verifier: string; redirectUri: string; from: string }
  | { ok: false; message: string };

/** What the provider sent back, checked against the attempt this tab started (once). */
export function readCallback(search: string, storage: Storage): CallbackOutcome {
  const params = new URLSearchParams(search);
  const raw = storage.getItem(PENDING);
  storage.removeItem(PENDING);
  const error = params.get("error");
  if (error) {
    const description = params.get("error_description");
    return { ok: false, message: `The sign-on provider refused: ${description ?? error}` };
  }
  let pending: Pending | null = null;
  try {
    pending = raw ? (JSON.parse(raw) as Pending) : null;
  } catch {
    pending = null;
  }
  const code = params.get("code");
  if (!pending || !code || params.get("state") !== pending.state) {
    return { ok: false, message: "This sign-in was not started here, or it was already used. Start again." };
  }
  // Only a path of this app: never a way to send the user elsewhere after signing in.
  const from = pending.from.startsWith("/") && !pending.from.startsWith("//") ? pending.from : "/";
  return { ok: true, code, verifier: pending.verifier, redirectUri: pending.redirectUri, from };
}
