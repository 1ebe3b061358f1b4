import { apiAs, expect, expectAccessible, signIn, test } from "./fixtures";
import type { Page } from "@playwright/test";

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

interface Stock {
  sku: string;
  qty_on_hand: number;
  reserved_qty: number;
  low_stock: boolean;
}

function product(sku: string, extra: Record<string, unknown> = {}) {
  return { sku, name: `E2E product ${sku}`, price: "12.50", tax_rate: "0.20", qty_on_hand: 20, reorder_point: 5, reorder_qty: 10, ...extra };
}

function onHand(page: Page) {
  return page.getByTestId("figure-on-hand").locator(".kpi-value");
}

test("an admin creates a product, receives and adjusts stock, and each movement is recorded", async ({ page }) => {
  const sku = `E2E-${suffix()}`;
  await signIn(page, "admin");
  await page.goto("/app/inventory");
  await expect(page.getByRole("heading", { level: 1, name: "Inventory" })).toBeVisible();
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("button", { name: "New product" }).click();
  const create = page.getByRole("dialog", { name: "New product" });
  await expect(create).toBeVisible();
  await expectAccessible(page);
  await create.getByLabel("SKU").fill(sku);
  await create.getByLabel("Name").fill(`Lens cloth ${sku}`);
  await create.getByLabel("Price (net)").fill("-4");
  await create.getByRole("button", { name: "Create product" }).click();
  // The server refuses a negative price and says so next to the price.
  await expect(create.locator("#f-price-error")).toContainText(/greater than or equal to 0/);
  await create.getByLabel("Price (net)").fill("4.90");
  await create.getByLabel("Tax rate (%)").fill("20");
  await create.getByLabel("Opening stock").fill("5");
  await create.getByLabel("Reorder point").fill("2");
  await create.getByRole("button", { name: "Create product" }).click();

  await expect(page).toHaveURL(new RegExp(`/app/inventory/${sku}$`));
  await expect(page.getByRole("heading", { level: 1, name: `Lens cloth ${sku}` })).toBeVisible();
  await expect(onHand(page)).toHaveText("5");
  await expect(page.getByText("20 %")).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("button", { name: "Receive", exact: true }).click();
  const receive = page.getByRole("dialog", { name: "Receive stock" });
  await expect(receive).toBeVisible();
  await expectAccessible(page);
  await receive.getByLabel("Quantity received").fill("10");
  await receive.getByLabel("Reason").fill("PO-4711");
  await receive.getByRole("button", { name: "Receive" }).click();
  await expect(receive).toBeHidden();
  await expect(onHand(page)).toHaveText("15");
  const receipt = page.locator("tbody tr", { hasText: "PO-4711" });
  await expect(receipt).toContainText("Receipt");
  await expect(receipt).toContainText("+10");
  await expect(receipt).toContainText("admin");

  await page.getByRole("button", { name: "Adjust", exact: true }).click();
  const adjust = page.getByRole("dialog", { name: "Adjust stock" });
  await adjust.getByLabel("Change in quantity").fill("-3");
  await adjust.getByLabel("Reason").fill("damaged in store");
  await adjust.getByRole("button", { name: "Adjust" }).click();
  await expect(adjust).toBeHidden();
  await expect(onHand(page)).toHaveText("12");
  const adjustment = page.locator("tbody tr", { hasText: "damaged in store" });
  await expect(adjustment).toContainText("Adjustment");
  await expect(adjustment).toContainText("−3");
  await expect(adjustment).toContainText("12");

  const api = await apiAs(page.request, "clerk");
  expect((await api.get<Stock>(`/inventory/${sku}`)).qty_on_hand).toBe(12);
});

test("a clerk edits a product and its stock but is offered no price, tax rate or New product", async ({ page }) => {
  const sku = `E2E-CLK-${suffix()}`;
  const api = await apiAs(page.request, "admin");
  await api.post("/inventory", product(sku, { qty_on_hand: 4 }));
  await signIn(page, "clerk");
  const me = page.waitForResponse((r) => r.url().endsWith("/auth/me") && r.ok());
  await page.goto(`/app/inventory/${sku}`);
  await me;
  await expect(page.getByRole("button", { name: "Receive", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${sku}` });
  await expect(edit.getByLabel("Reorder point")).toBeVisible();
  await expect(edit.getByLabel("Price (net)")).toHaveCount(0);
  await expect(edit.getByLabel("Tax rate (%)")).toHaveCount(0);
  await expect(edit.getByTestId("price-locked")).toBeVisible();
  await expectAccessible(page);
  await edit.getByLabel("Reorder point").fill("3");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  const saved = await api.get<Stock & { price: string; reorder_point: number }>(`/inventory/${sku}`);
  expect([saved.reorder_point, saved.price]).toEqual([3, "12.50"]);

  await page.goto("/app/inventory");
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expect(page.getByRole("button", { name: "New product" })).toHaveCount(0);
});

test("an accountant changes a product's price, and nothing else", async ({ page }) => {
  const sku = `E2E-ACC-${suffix()}`;
  const api = await apiAs(page.request, "admin");
  await api.post("/inventory", product(sku));
  await signIn(page, "accountant");
  const me = page.waitForResponse((r) => r.url().endsWith("/auth/me") && r.ok());
  await page.goto(`/app/inventory/${sku}`);
  await me;
  await expect(page.getByRole("button", { name: "Receive", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${sku}` });
  await expect(edit.getByLabel("Name")).toHaveCount(0);
  await edit.getByLabel("Price (net)").fill("13.75");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  expect((await api.get<{ price: string }>(`/inventory/${sku}`)).price).toBe("13.75");
});

test("a product at or below its reorder point is flagged and listed under low stock", async ({ page }) => {
  const tag = suffix();
  const api = await apiAs(page.request, "admin");
  const low = await api.post<Stock>("/inventory", product(`E2E-LOW-${tag}`, { qty_on_hand: 3, reorder_point: 5 }));
  await api.post<Stock>("/inventory", product(`E2E-OK-${tag}`, { qty_on_hand: 50, reorder_point: 5 }));
  expect(low.low_stock).toBe(true);

  await signIn(page, "admin");
  await page.goto(`/app/inventory?q=${tag}`);
  const lowRow = page.locator(`tr[data-sku="${low.sku}"]`);
  const okRow = page.locator(`tr[data-sku="E2E-OK-${tag}"]`);
  await expect(lowRow).toBeVisible();
  await expect(okRow).toBeVisible();
  await expect(lowRow).toHaveClass(/row-alert/);
  await expect(lowRow).toContainText("Low stock");
  await expect(okRow).not.toHaveClass(/row-alert/);
  await expect(okRow).toContainText("In stock");

  // The box follows the address, which the router updates a moment after the click.
  await page.getByLabel("Low stock only").click();
  await expect(page.getByLabel("Low stock only")).toBeChecked();
  await expect(page).toHaveURL(/low=1/);
  await expect(lowRow).toBeVisible();
  await expect(okRow).toHaveCount(0);
  await expect(page.locator("tbody tr")).toHaveCount(1);

  // Without the search, the low-stock view still holds the product and every row is flagged.
  await page.getByLabel("Search").fill("");
  await expect(page).not.toHaveURL(/q=/);
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expect(page.locator("tbody tr:not(.row-alert)")).toHaveCount(0);
  await page.getByLabel("Search").fill(low.sku);
  await expect(lowRow).toBeVisible();
});

test("an adjustment that would leave stock negative shows the server's refusal and changes nothing", async ({ page }) => {
  const sku = `E2E-NEG-${suffix()}`;
  const api = await apiAs(page.request, "admin");
  await api.post("/inventory", product(sku, { qty_on_hand: 2 }));

  await signIn(page, "clerk");
  await page.goto(`/app/inventory?q=${sku}`);
  await page.getByRole("button", { name: `Adjust ${sku}` }).click();
  const adjust = page.getByRole("dialog", { name: "Adjust stock" });
  await adjust.getByLabel("Change in quantity").fill("-5");
  await adjust.getByLabel("Reason").fill("stock count");
  await adjust.getByRole("button", { name: "Adjust" }).click();
  const error = adjust.locator("#f-delta-error");
  await expect(error).toContainText(/cannot change on-hand stock/);
  await expect(adjust.getByLabel("Change in quantity")).toHaveAttribute("aria-invalid", "true");
  await expect(adjust).toBeVisible();
  await adjust.getByRole("button", { name: "Cancel" }).click();
  await expect(adjust).toBeHidden();

  const row = page.locator(`tr[data-sku="${sku}"]`);
  await expect(row.locator("td").nth(3)).toHaveText("2");
  expect((await api.get<Stock>(`/inventory/${sku}`)).qty_on_hand).toBe(2);
  const history = await api.get<{ items: { kind: string }[] }>(`/inventory/${sku}/movements`);
  expect(history.items.filter((m) => m.kind === "adjustment")).toHaveLength(0);
});

test("a viewer sees stock but no way to change it", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/app/inventory");
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expect(page.getByRole("button", { name: "New product" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Receive/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Adjust/ })).toHaveCount(0);
  await expectAccessible(page);

  await page.locator("tbody tr td a").first().click();
  await expect(page.getByTestId("figure-on-hand")).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Stock movements" })).toBeVisible();
  await expect(page.locator("tbody tr").first()).toBeVisible();
  for (const name of ["Receive", "Adjust", "Edit"]) await expect(page.getByRole("button", { name })).toHaveCount(0);
  await expectAccessible(page);
});

test("on a 768-pixel tablet the stock list and a product fit the screen", async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await signIn(page, "admin");
  await page.goto("/app/inventory");
  await expect(page.locator("table")).toBeVisible();
  await expect(page.getByRole("button", { name: "New product" })).toBeInViewport();
  // The row actions stay on screen rather than behind a sideways scroll.
  await expect(page.getByRole("button", { name: /^Adjust / }).first()).toBeInViewport();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);

  await page.locator("tbody tr td a").first().click();
  await expect(page.getByTestId("figure-on-hand")).toBeVisible();
  await expect(page.locator("tbody tr").first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
});
