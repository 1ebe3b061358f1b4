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

/** A customer and two lines, so the picture shows the form at work. */
async function fillOrder(page: Page): Promise<void> {
  const customer = page.getByRole("combobox", { name: "Find customer" });
  await customer.pressSequentially("northwind", { delay: 20 });
  await page.waitForFunction(() => document.querySelectorAll("[role=option]").length === 1);
  await customer.press("Enter");
  const product = page.getByRole("combobox", { name: "Add product" });
  for (const [search, qty] of [
    ["mirrorless", "2"],
    ["sd card", "4"],
  ] as const) {
    await product.pressSequentially(search, { delay: 20 });
    await page.waitForFunction((text) => {
      const options = document.querySelectorAll("[role=option]");
      return options.length === 1 && options[0]!.textContent!.toLowerCase().includes(text);
    }, search);
    await product.press("Enter");
    await page.getByRole("spinbutton").last().fill(qty);
  }
  await product.blur();
  await page.waitForTimeout(300);
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
  await page.goto("/app/orders/new");
  await fillOrder(page);
  await page.screenshot({ path: `${folder}order-new.png` });
  if (orders.items[0]) await shoot(page, `/app/orders/${orders.items[0].id}`, "order-detail");
  await shoot(page, "/app/customers", "customers");
  await shoot(page, "/app/inventory", "inventory");
  if (stock.items[0]) await shoot(page, `/app/inventory/${stock.items[0].sku}`, "product");
  await shoot(page, "/app/billing", "invoices");
  if (invoices.items[0]) await shoot(page, `/app/billing/invoices/${invoices.items[0].id}`, "invoice");
  await shoot(page, "/app/billing/trial-balance", "trial-balance");
});
