// Shared test helpers: sign in without the form (the login test covers the form), call the
// API as a user, and run axe-core on the page.
import AxeBuilder from "@axe-core/playwright";
import { expect, test as base, type APIRequestContext, type Page } from "@playwright/test";
import { USERS, type RoleName } from "./users";

export { expect };

export interface Api {
  token: string;
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, data: unknown): Promise<T>;
}

async function tokens(request: APIRequestContext, role: RoleName) {
  const user = USERS[role];
  const response = await request.post("/auth/login", { data: { username: user.username, password: user.password } });
  expect(response.ok(), await response.text()).toBeTruthy();
  return (await response.json()) as { access_token: string; refresh_token: string; expires_in: number; username: string; role: string };
}

/** Open the app signed in as ROLE (the session the login form would have stored). */
export async function signIn(page: Page, role: RoleName = "admin"): Promise<void> {
  const t = await tokens(page.request, role);
  const stored = {
    access: t.access_token,
    refresh: t.refresh_token,
    expiresAt: Date.now() + t.expires_in * 1000,
    username: t.username,
    role: t.role,
  };
  await page.addInitScript((value) => {
    window.localStorage.setItem("pulse.session", value);
  }, JSON.stringify(stored));
}

export async function apiAs(request: APIRequestContext, role: RoleName = "admin"): Promise<Api> {
  const { access_token: token } = await tokens(request, role);
  const headers = { Authorization: `Bearer ${token}` };
  return {
    token,
    async get<T>(path: string) {
      const r = await request.get(path, { headers });
      expect(r.ok(), `${path}: ${r.status()} ${await r.text()}`).toBeTruthy();
      return (await r.json()) as T;
    },
    async post<T>(path: string, data: unknown) {
      const r = await request.post(path, { headers, data });
      expect(r.ok(), `${path}: ${r.status()} ${await r.text()}`).toBeTruthy();
      return (await r.json()) as T;
    },
  };
}

/** No serious or critical accessibility issue on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`),
  ).toEqual([]);
}

export const test = base;
