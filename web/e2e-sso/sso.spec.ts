// "Sign in with SSO" in a real browser against a real OpenID provider (oidc-provider on
// loopback). Started by tests/integration/sso/test_browser_login.py, which runs the provider
// and a Pulse server configured for it and passes their addresses in the environment.
import { expect, expectAccessible, test } from "../e2e/fixtures";

const issuer = process.env.PULSE_SSO_ISSUER ?? "";
const user = process.env.PULSE_SSO_USER ?? "alice";
const password = process.env.PULSE_SSO_PASSWORD ?? "";

test("signing in with SSO: authorization code with PKCE, back to the page asked for", async ({ page }) => {
  expect(issuer, "PULSE_SSO_ISSUER names the test provider").not.toBe("");
  await page.goto("/app/orders");
  await expect(page).toHaveURL(/\/app\/login$/);
  const sso = page.getByRole("button", { name: "Sign in with SSO" });
  await expect(sso).toBeVisible();
  await expect(page.getByLabel("Username")).toBeVisible(); // the local login stays beside it
  await expectAccessible(page);

  await sso.click();
  await expect(page).toHaveURL(new RegExp(`^${issuer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/interaction/`));
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/app\/orders$/);
  await expect(page.getByTestId("current-user")).toContainText(user);
  await expect(page.getByTestId("current-user")).toContainText(/admin/i);
  // The verifier was spent: nothing of the attempt is left in the tab.
  expect(await page.evaluate(() => window.sessionStorage.getItem("pulse.sso.pending"))).toBeNull();
  await expectAccessible(page);

  // A callback replayed (the same code and state again) is refused and says so.
  await page.goto(`/app/sso/callback?code=replayed&state=nothing-started`);
  await expect(page.getByRole("alert")).toContainText(/not started here|already used/);
  await expectAccessible(page);
});
