// The README's screenshots: each main page at 1366×768, after its data has arrived.
import { test, type Page } from "@playwright/test";
import { apiAs, signIn } from "../e2e/fixtures";

const folder = new URL("../../docs/screenshots/", import.meta.url).pathname;

async function settled(page: Page): Promise<void> {
  await page.locator(".spinner").first().waitFor({ state: "detached", timeout: 20_000 }).catch(() => undefined);
  await page.waitForFunction(() => document.querySelectorAll(".spinner").length === 0, undefined, { timeout: 20_000 });
  await page.waitForTimeout(700); // charts animate in
}

async function shoot(page: Page, path: string, name: string): Promise<void> {
  await page.goto(path);
  await settled(page);
  await page.screenshot({ path: `${folder}${name}.png` });
}

test("screenshots of the main pages", async ({ page, request }) => {
  await shoot(page, "/app/login", "login");
  await signIn(page, "admin");
  const api = await apiAs(request, "admin");
  const orders = await api.get<{ items: { id: string }[] }>("/orders?limit=1&status=paid");
  const invoices = await api.get<{ items: { id: string }[] }>("/billing/invoices?limit=1&status=paid");
  const stock = await api.get<{ items: { sku: string }[] }>("/inventory?limit=1");
  await shoot(page, "/app/", "dashboard");
  await shoot(page, "/app/orders", "orders");
  await shoot(page, "/app/orders/new", "order-new");
  if (orders.items[0]) await shoot(page, `/app/orders/${orders.items[0].id}`, "order-detail");
  await shoot(page, "/app/customers", "customers");
  await shoot(page, "/app/inventory", "inventory");
  if (stock.items[0]) await shoot(page, `/app/inventory/${stock.items[0].sku}`, "product");
  await shoot(page, "/app/billing", "invoices");
  if (invoices.items[0]) await shoot(page, `/app/billing/invoices/${invoices.items[0].id}`, "invoice");
  await shoot(page, "/app/billing/trial-balance", "trial-balance");
});
