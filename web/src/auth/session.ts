// Tokens of the signed-in user, kept for this browser tab. The access token is refreshed
// shortly before it expires; a refused refresh ends the session.
import type { components } from "../api/schema";

type TokenResponse = components["schemas"]["TokenResponse"];

interface Stored {
  access: string;
  refresh: string;
  expiresAt: number;
  username: string;
  role: string;
}

const KEY = "pulse.session";
const EARLY_MS = 30_000;
type Listener = () => void;

function load(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

class Session {
  private stored: Stored | null = load();
  private refreshing: Promise<string | null> | null = null;
  private listeners = new Set<Listener>();

  get current(): Stored | null {
    return this.stored;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  begin(tokens: TokenResponse): void {
    this.save({
      access: tokens.access_token,
      refresh: tokens.refresh_token,
      expiresAt: Date.now() + tokens.expires_in * 1000,
      username: tokens.username,
      role: tokens.role,
    });
  }

  expire(): void {
    this.save(null);
  }

  async accessToken(): Promise<string | null> {
    const stored = this.stored;
    if (!stored) return null;
    if (stored.expiresAt - Date.now() > EARLY_MS) return stored.access;
    this.refreshing ??= this.refresh(stored).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(stored: Stored): Promise<string | null> {
    try {
      const response = await fetch("/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: stored.refresh }),
      });
      if (!response.ok) {
        this.save(null);
        return null;
      }
      this.begin((await response.json()) as TokenResponse);
      return this.stored?.access ?? null;
    } catch {
      return stored.access; // offline for a moment: let the request try, it will say so
    }
  }

  private save(value: Stored | null): void {
    this.stored = value;
    if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
    else sessionStorage.removeItem(KEY);
    for (const listener of this.listeners) listener();
  }
}

export const session = new Session();
