import type { Browser, Page } from "@playwright/test";
import { apiAs, expect, expectAccessible, signIn, test } from "./fixtures";
import { totpCode } from "./totp";

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "a-long-enough-e2e-password";

async function newUser(page: Page, role = "clerk"): Promise<string> {
  const username = `e2e-sess-${suffix()}`;
  const admin = await apiAs(page.request, "admin");
  await admin.post("/auth/users", { username, password: PASSWORD, role });
  return username;
}

async function signInWithForm(page: Page, username: string) {
  await page.goto("/app/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function browserOf(browser: Browser, username: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithForm(page, username);
  await expect(page.getByTestId("current-user")).toContainText(username);
  const token = await page.evaluate(() => (JSON.parse(localStorage.getItem("pulse.session") ?? "{}") as { access: string }).access);
  return { context, page, token };
}

function sessionRow(page: Page, username: string) {
  return page.getByTestId("sessions-table").locator("tbody tr").filter({ has: page.getByTestId("session-user").getByText(username, { exact: true }) });
}

test("an admin ends a user's session from the sessions page, and that session's next request is refused", async ({ page, browser }) => {
  const username = await newUser(page);
  const user = await browserOf(browser, username);

  await signIn(page, "admin");
  await page.goto("/app/admin/sessions");
  await expect(page.getByRole("heading", { level: 1, name: "Sessions" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" })).toBeVisible();
  const row = sessionRow(page, username);
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("127.0.0.1");
  await expect(row.getByTestId("session-device")).toContainText(/Chrome|Chromium/);
  await expect(page.getByRole("form", { name: "Two-step sign-in by role" })).toBeVisible();
  await expectAccessible(page);

  await row.getByRole("button", { name: /^End session of/ }).click();
  const dialog = page.getByRole("dialog", { name: "End session" });
  await expect(dialog).toContainText(username);
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "End session" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: `Ended ${username}'s session` })).toBeVisible();
  await expect(sessionRow(page, username)).toHaveCount(0);

  // That session's very next request is refused…
  const next = await page.request.get("/auth/me", { headers: { Authorization: `Bearer ${user.token}` } });
  expect(next.status()).toBe(401);
  expect(((await next.json()) as { code: string }).code).toBe("session_ended");
  // …and its browser is back at the sign-in form (its live stream or next page asked).
  await user.page.reload();
  await expect(user.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await user.context.close();
});

test("a user sees where they are signed in and ends another of their sessions", async ({ page, browser }) => {
  const username = await newUser(page);
  const other = await browserOf(browser, username);
  await signInWithForm(page, username);
  await page.getByRole("link", { name: "My sessions" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My sessions" })).toBeVisible();
  const rows = page.getByTestId("sessions-table").locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "This session" })).toHaveCount(1);
  await expect(page.getByTestId("second-factor-state")).toContainText("Off");
  await expectAccessible(page);

  await rows.filter({ hasNotText: "This session" }).getByRole("button", { name: /^End session of/ }).click();
  await page.getByRole("dialog", { name: "End session" }).getByRole("button", { name: "End session" }).click();
  await expect(rows).toHaveCount(1);
  const refused = await page.request.get("/auth/me", { headers: { Authorization: `Bearer ${other.token}` } });
  expect(refused.status()).toBe(401);
  await other.context.close();
});

test("a clerk has no Sessions menu and cannot see everyone's sessions", async ({ page }) => {
  await signIn(page, "clerk");
  const me = page.waitForResponse((r) => r.url().endsWith("/auth/me") && r.ok());
  await page.goto("/app/admin/sessions");
  await me;
  await expect(page.getByTestId("no-access")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" })).toHaveCount(0);
  await expect(page.getByTestId("sessions-table")).toHaveCount(0);
  await expectAccessible(page);
});

test("a user turns on two-step sign-in with a QR code, then signs in with a code and with a recovery code once", async ({ page }) => {
  const username = await newUser(page);
  await signInWithForm(page, username);
  await page.getByRole("link", { name: "My sessions" }).click();
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByTestId("totp-qr")).toBeVisible();
  expect(await page.getByTestId("totp-qr").getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
  const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await expectAccessible(page);

  await page.getByLabel("Code from the app").fill(totpCode(secret, 5));
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.locator("#f-code-error")).toContainText("not right");
  const enrolCode = totpCode(secret);
  await page.getByLabel("Code from the app").fill(enrolCode);
  await page.getByRole("button", { name: "Turn on" }).click();
  const codes = page.getByTestId("recovery-codes").getByRole("listitem");
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().textContent()) ?? "";
  await expect(page.getByTestId("second-factor-state")).toContainText("10 recovery codes left");
  await expectAccessible(page);

  await page.getByRole("button", { name: "Sign out" }).click();
  await signInWithForm(page, username);
  await expect(page.getByRole("heading", { name: "Two-step sign-in" })).toBeVisible();
  await expectAccessible(page);
  // The enrolment's code is used (its step, and every earlier one): it never works again.
  await page.getByLabel("Code").fill(enrolCode);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert")).toContainText("not right, or was already used");
  await page.getByLabel("Code").fill(totpCode(secret, 1));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("current-user")).toContainText(username);

  for (const expected of ["signed in", "refused"]) {
    await page.getByRole("button", { name: "Sign out" }).click();
    await signInWithForm(page, username);
    await page.getByLabel("Code").fill(recovery);
    await page.getByRole("button", { name: "Verify" }).click();
    if (expected === "signed in") await expect(page.getByTestId("current-user")).toContainText(username);
    else await expect(page.getByRole("alert")).toContainText("not right, or was already used");
  }
});

test("an admin resets a user's two-step sign-in from the user dialog, and the password alone signs in again", async ({ page, request }) => {
  const username = await newUser(page);
  const login = () => request.post("/auth/login", { data: { username, password: PASSWORD } });
  const { access_token: token } = (await (await login()).json()) as { access_token: string };
  const headers = { Authorization: `Bearer ${token}` };
  const setup = (await (await request.post("/auth/second-factor/setup", { headers })).json()) as { secret: string };
  expect((await request.post("/auth/second-factor/confirm", { headers, data: { code: totpCode(setup.secret) } })).ok()).toBeTruthy();
  expect(await (await login()).json()).toMatchObject({ second_factor: "totp" });

  await signIn(page, "admin");
  await page.goto("/app/admin/users");
  await page.getByRole("button", { name: `Edit ${username}` }).click();
  const dialog = page.getByRole("dialog", { name: `Edit ${username}` });
  await dialog.getByRole("button", { name: "Reset two-step sign-in" }).click();
  await expect(dialog.getByRole("status")).toContainText(`Two-step sign-in was reset for ${username}`);
  await expectAccessible(page);

  expect(await (await login()).json()).toHaveProperty("access_token");
});
