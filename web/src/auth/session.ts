// Tokens of the signed-in user, shared by every tab of the browser (signing out in one signs
// out all). The access token is refreshed shortly before it expires; tabs take turns (a
// Web Lock), because a refresh token is used once and a second tab must pick up the first
// tab's new tokens instead of spending the old one. A refused refresh ends the session.
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
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

class Session {
  private stored: Stored | null = load();
  private refreshing: Promise<string | null> | null = null;
  private listeners = new Set<Listener>();

  constructor() {
    window.addEventListener("storage", (event) => {
      if (event.key !== KEY && event.key !== null) return;
      this.stored = load();
      for (const listener of this.listeners) listener();
    });
  }

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

  private async refresh(stale: Stored): Promise<string | null> {
    const run = async (): Promise<string | null> => {
      const latest = load();
      if (latest === null) {
        this.save(null);
        return null;
      }
      if (latest.access !== stale.access && latest.expiresAt - Date.now() > EARLY_MS) {
        this.stored = latest; // another tab refreshed meanwhile
        return latest.access;
      }
      return this.exchange(latest);
    };
    return navigator.locks ? navigator.locks.request("pulse.refresh", run) : run();
  }

  private async exchange(stored: Stored): Promise<string | null> {
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
    if (value) localStorage.setItem(KEY, JSON.stringify(value));
    else localStorage.removeItem(KEY);
    for (const listener of this.listeners) listener();
  }
}

export const session = new Session();
