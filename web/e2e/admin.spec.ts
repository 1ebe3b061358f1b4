import type { Page } from "@playwright/test";
import { apiAs, expect, expectAccessible, signIn, test } from "./fixtures";
import { USERS } from "./users";

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "a-long-enough-e2e-password";

interface UserPage {
  items: { username: string; role: string; active: boolean }[];
  total: number;
}

async function openUsers(page: Page) {
  await page.goto("/app/admin/users");
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await expect(page.getByTestId("users-table")).toBeVisible();
}

function row(page: Page, username: string) {
  return page.getByTestId("users-table").locator("tbody tr").filter({ has: page.getByTestId("username").filter({ hasText: new RegExp(`^${username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }) });
}

async function createThroughDialog(page: Page, username: string, role: string) {
  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog", { name: "New user" });
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Email (optional)").fill(`${username}@example.com`);
  await dialog.getByLabel("Role").selectOption(role);
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog).toBeHidden();
}

test("an admin creates a clerk through the dialog, who can then sign in", async ({ page, browser }) => {
  const username = `e2e-clerk-${suffix()}`;
  await signIn(page, "admin");
  await openUsers(page);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" })).toBeVisible();
  await expect(page.getByTestId("role-legend")).toContainText("Record payments");
  await expect(row(page, "admin")).toContainText("Admin");
  await expectAccessible(page);

  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog", { name: "New user" });
  await expect(dialog.getByText("At least 10 characters", { exact: false })).toBeVisible();
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  await createThroughDialog(page, username, "clerk");
  await expect(page.getByRole("status").filter({ hasText: `Created ${username}` })).toBeVisible();
  const created = row(page, username);
  await expect(created).toContainText("Clerk");
  await expect(created).toContainText("Active");
  await expect(created).toContainText("Never");

  // A fresh browser with nobody signed in: the new user signs in through the form.
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto("/app/");
  await other.getByLabel("Username").fill(username.toUpperCase());
  await other.getByLabel("Password").fill(PASSWORD);
  await other.getByRole("button", { name: "Sign in" }).click();
  await expect(other.getByTestId("current-user")).toContainText(username);
  await expect(other.getByTestId("current-user")).toContainText("Clerk");
  await context.close();

  await page.reload();
  await expect(row(page, username)).not.toContainText("Never");
});

test("an admin demotes a user to viewer, then disables them, and their sign-in is refused", async ({ page }) => {
  const username = `e2e-temp-${suffix()}`;
  await signIn(page, "admin");
  await openUsers(page);
  await createThroughDialog(page, username, "clerk");
  await expect(row(page, username)).toContainText("Clerk");

  await row(page, username).getByRole("button", { name: `Edit ${username}` }).click();
  const dialog = page.getByRole("dialog", { name: `Edit ${username}` });
  await expect(dialog.getByLabel("Role")).toHaveValue("clerk");
  await expect(dialog.getByLabel("Active")).toBeChecked();
  await expectAccessible(page);
  await dialog.getByLabel("Role").selectOption("viewer");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, username)).toContainText("Viewer");

  const login = () => page.request.post("/auth/login", { data: { username, password: PASSWORD } });
  const before = await login();
  expect(before.status()).toBe(200);
  expect(((await before.json()) as { role: string }).role).toBe("viewer");

  await row(page, username).getByRole("button", { name: `Edit ${username}` }).click();
  await expect(dialog.getByLabel("Role")).toHaveValue("viewer");
  await dialog.getByLabel("Active").uncheck();
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, username)).toContainText("Disabled");

  const after = await login();
  expect(after.status()).toBe(401);
  expect(((await after.json()) as { code: string }).code).toBe("account_disabled");

  const api = await apiAs(page.request, "admin");
  const users = await api.get<UserPage>("/auth/users?limit=500");
  expect(users.items.find((u) => u.username === username)).toMatchObject({ role: "viewer", active: false });
});

test("the server's refusals show next to the field, or in the dialog when no field is named", async ({ page }) => {
  const username = `e2e-short-${suffix()}`;
  await signIn(page, "admin");
  await openUsers(page);

  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog", { name: "New user" });
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Password", { exact: true }).fill("short");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog.locator("#f-password-error")).toContainText("at least 10 characters");
  await expect(dialog.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);

  await dialog.getByLabel("Username").fill(USERS.clerk.username.toUpperCase());
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Create user" }).click();
  await expect(dialog.locator("#f-username-error")).toContainText("already exists");
  await expect(dialog.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.locator("#f-password-error")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // The only active admin cannot be disabled: the server says so and nothing changes.
  const api = await apiAs(page.request, "admin");
  const all = await api.get<UserPage>("/auth/users?limit=500");
  const activeAdmins = all.items.filter((u) => u.role === "admin" && u.active);
  // The test server starts with one admin and no test makes another.
  expect(activeAdmins.map((u) => u.username)).toEqual(["admin"]);
  await row(page, "admin").getByRole("button", { name: "Edit admin" }).click();
  const edit = page.getByRole("dialog", { name: "Edit admin" });
  await expect(edit.getByTestId("editing-self")).toBeVisible();
  await edit.getByLabel("Active").uncheck();
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit.getByRole("alert")).toContainText("at least one active admin must remain");
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(row(page, "admin")).toContainText("Active");
});

test("a clerk has no Users menu and is told the page is not for them", async ({ page }) => {
  await signIn(page, "clerk");
  const me = page.waitForResponse((r) => r.url().endsWith("/auth/me") && r.ok());
  await page.goto("/app/admin/users");
  await me;
  await expect(page.getByTestId("no-access")).toContainText("You do not have access to this page");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Orders" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "New user" })).toHaveCount(0);
  await expect(page.getByTestId("users-table")).toHaveCount(0);
  await expectAccessible(page);
});

test("on a tablet the users page fits the screen", async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await signIn(page, "admin");
  await openUsers(page);
  await expect(row(page, "admin").getByRole("button", { name: "Edit admin" })).toBeVisible();
  await expect(page.getByTestId("role-legend")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(overflow).toBeLessThanOrEqual(768);
  await row(page, "admin").getByRole("button", { name: "Edit admin" }).click();
  await expect(page.getByRole("dialog", { name: "Edit admin" })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
});
