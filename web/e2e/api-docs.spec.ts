// The API reference renders with every request to anything but the product refused, as on
// a machine without internet.
import { expect, test } from "@playwright/test";

test("/docs renders the API reference offline", async ({ page, baseURL }) => {
  const product = new URL(baseURL!).origin;
  const refused: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === product) return route.continue();
    refused.push(url);
    return route.abort("internetdisconnected");
  });
  await page.goto("/docs");
  await expect(page.getByRole("heading", { name: /Pulse ERP/ })).toBeVisible();
  // The operations are listed, grouped by tag.
  await expect(page.locator(".opblock-tag", { hasText: "orders" }).first()).toBeVisible();
  await expect(page.locator(".opblock-summary-path", { hasText: "/orders" }).first()).toBeVisible();
  await expect(page.getByText(/Unable to render|Failed to load/)).toHaveCount(0);
  expect(refused).toEqual([]);
});
