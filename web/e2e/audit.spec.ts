import { apiAs, expect, expectAccessible, signIn, test } from "./fixtures";

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test("an admin finds a role change in the audit log, sees its before and after, and the chain is intact", async ({ page, request }) => {
  const admin = await apiAs(request, "admin");
  const username = `e2e-audit-${suffix()}`;
  const user = await admin.post<{ id: string }>("/auth/users", { username, password: "a-long-enough-e2e-password", role: "clerk" });
  const changed = await request.patch(`/auth/users/${user.id}`, { headers: { Authorization: `Bearer ${admin.token}` }, data: { role: "viewer" } });
  expect(changed.ok()).toBeTruthy();

  await signIn(page, "admin");
  await page.goto("/app/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  await expect(page.getByTestId("audit-table")).toBeVisible();
  await expect(page.getByTestId("chain-status")).toContainText("Intact");
  await expectAccessible(page);

  // Filter through the form: the action, then the subject.
  const filters = page.getByRole("search", { name: "Filter the audit log" });
  await filters.getByLabel("Action").fill("users.update");
  await filters.getByLabel("Action").press("Enter");
  await filters.getByLabel("Subject id").fill(user.id);
  await filters.getByLabel("Subject id").press("Enter");
  await expect(page).toHaveURL(new RegExp(`subject_id=${user.id}`));
  const rows = page.getByTestId("audit-table").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("users.update");
  await expect(rows.first()).toContainText("admin");

  await rows.first().getByRole("button").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("audit-diff")).toBeVisible();
  const role = dialog.getByTestId("audit-diff").locator("tr", { hasText: "role" });
  await expect(role).toContainText("clerk");
  await expect(role).toContainText("viewer");
  await expect(dialog.getByTestId("audit-record")).toContainText("127.0.0.1");
  await expectAccessible(page);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page).not.toHaveURL(/subject_id=/);
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByTestId("chain-status")).toContainText("Intact");
});

test("a failed sign-in is on the log with where it came from", async ({ page, request }) => {
  const name = `e2e-nobody-${suffix()}`;
  const refused = await request.post("/auth/login", { data: { username: name, password: "wrong password here" } });
  expect(refused.status()).toBe(401);
  await signIn(page, "accountant");
  await page.goto(`/app/admin/audit?action=auth.sign_in_failed&actor=${name}`);
  const rows = page.getByTestId("audit-table").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("auth.sign_in_failed");
  await expect(rows.first()).toContainText(name);
  await expectAccessible(page);
});

test("a clerk has no audit log in the menu and is told so at its address", async ({ page }) => {
  await signIn(page, "clerk");
  await page.goto("/app/admin/audit");
  await expect(page.getByTestId("no-access")).toContainText("Reading the audit log needs the admin or accountant role");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" })).toHaveCount(0);
  await expectAccessible(page);
});
