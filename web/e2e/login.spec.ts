import { expect, expectAccessible, test } from "./fixtures";
import { USERS } from "./users";

test("signing in shows the user's role, and a wrong password says so", async ({ page }) => {
  await page.goto("/app/");
  await expect(page).toHaveURL(/\/app\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel("Username").fill("carl");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText(/password|credentials|invalid/i);

  await page.getByLabel("Password").fill(USERS.clerk.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toContainText("carl");
  await expect(page.getByTestId("current-user")).toContainText(/clerk/i);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
