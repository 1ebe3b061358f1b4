import { apiAs, expect, expectAccessible, signIn, test } from "./fixtures";

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

interface Customer {
  id: string;
  name: string;
  email: string;
}

test("a clerk adds a customer, finds it by searching, and edits the phone", async ({ page }) => {
  const tag = suffix();
  const name = `Lumen Studio ${tag}`;
  await signIn(page, "clerk");
  await page.goto("/app/customers");
  await expect(page.getByRole("heading", { level: 1, name: "Customers" })).toBeVisible();
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("button", { name: "New customer" }).click();
  const dialog = page.getByRole("dialog", { name: "New customer" });
  await expect(dialog).toBeVisible();
  await expectAccessible(page);
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Email").fill(`not-an-email-${tag}`);
  await dialog.getByRole("button", { name: "Create customer" }).click();
  await expect(dialog.locator("#f-email-error")).toBeVisible();
  await dialog.getByLabel("Email").fill(`buyer-${tag}@lumen.example.com`);
  await dialog.getByLabel("Phone").fill("+44 20 0000 0001");
  await dialog.getByLabel("Billing address").fill("1 Light Lane, Leeds");
  await dialog.getByLabel("Payment terms (days)").fill("21");
  await dialog.getByRole("button", { name: "Create customer" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Customers" })).toBeVisible();
  await page.getByLabel("Search").pressSequentially(`studio ${tag}`, { delay: 20 });
  await expect(page).toHaveURL(new RegExp(`q=studio`));
  await expect(page.locator("tbody tr")).toHaveCount(1);
  const row = page.locator("tbody tr").first();
  await expect(row).toContainText(`buyer-${tag}@lumen.example.com`);
  await expect(row).toContainText("21 days");
  // The search is kept in the address: a reload shows the same result.
  await page.reload();
  await expect(page.getByLabel("Search")).toHaveValue(new RegExp(tag));
  await expect(page.locator("tbody tr")).toHaveCount(1);

  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const details = page.getByTestId("customer-details");
  await expect(details).toContainText("+44 20 0000 0001");
  await expect(page.getByTestId("open-balance")).toHaveText("€0.00");
  await expect(page.getByText("No orders from this customer yet.")).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("button", { name: "Edit" }).click();
  const form = page.getByRole("form", { name: "Edit customer" });
  await expect(form.getByLabel("Name")).toHaveValue(name);
  await expectAccessible(page);
  await form.getByLabel("Phone").fill("+44 113 496 0999");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(details).toContainText("+44 113 496 0999");
  await page.reload();
  await expect(page.getByTestId("customer-details")).toContainText("+44 113 496 0999");
});

test("an email already in use is refused next to the email field", async ({ page }) => {
  const tag = suffix();
  const api = await apiAs(page.request, "admin");
  const existing = await api.post<Customer>("/customers", { name: `Existing ${tag}`, email: `taken-${tag}@example.com` });

  await signIn(page, "accountant");
  await page.goto("/app/customers");
  await page.getByRole("button", { name: "New customer" }).click();
  const dialog = page.getByRole("dialog", { name: "New customer" });
  await dialog.getByLabel("Name").fill(`Copycat ${tag}`);
  await dialog.getByLabel("Email").fill(existing.email);
  await dialog.getByRole("button", { name: "Create customer" }).click();
  await expect(dialog.locator("#f-email-error")).toContainText("already exists");
  await expect(dialog.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.locator("#f-name-error")).toHaveCount(0);
  await expectAccessible(page);

  const found = await api.get<{ total: number }>(`/customers?q=${encodeURIComponent(`Copycat ${tag}`)}`);
  expect(found.total).toBe(0);
});

test("a customer's order and invoice show on their page; a viewer cannot edit", async ({ page }) => {
  const tag = suffix();
  const sku = `E2E-CUST-${tag}`.toUpperCase();
  const api = await apiAs(page.request, "admin");
  await api.post("/inventory", { sku, name: `Tripod ${tag}`, price: "40.00", tax_rate: "0.20", qty_on_hand: 50 });
  const customer = await api.post<Customer>("/customers", { name: `Orderly Optics ${tag}`, email: `orders-${tag}@optics.example.com` });
  const order = await api.post<{ id: string; number: string }>("/orders", { customer_id: customer.id, items: [{ sku, qty: 2 }] });

  await signIn(page, "viewer");
  await page.goto("/app/customers");
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expect(page.getByRole("button", { name: "New customer" })).toHaveCount(0);

  await page.goto(`/app/customers/${customer.id}`);
  await expect(page.getByRole("heading", { level: 1, name: customer.name })).toBeVisible();
  const link = page.getByRole("link", { name: order.number });
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute("href", `/app/orders/${order.id}`);
  await expect(page.locator("tr", { has: link })).toContainText("€96.00");
  // Stock is reserved and the order invoiced in the background; the page follows live.
  const invoiceRow = page.locator("tr", { has: page.locator('a[href^="/app/billing/invoices/"]') });
  await expect(invoiceRow).toHaveCount(1);
  await expect(invoiceRow).toContainText("€96.00");
  await expect(page.getByTestId("open-balance")).toHaveText("€96.00");
  await expect(page.locator("tr", { has: link })).toContainText("Invoiced");
  await expect(page.getByRole("button", { name: "Edit" })).toHaveCount(0);
  await expectAccessible(page);
});

test("on a 768-pixel tablet the customer pages fit the screen", async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await signIn(page, "clerk");
  await page.goto("/app/customers");
  await expect(page.locator("table")).toBeVisible();
  await expect(page.locator("tbody tr").first()).toBeInViewport();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);

  await page.locator("tbody tr td a").first().click();
  await expect(page.getByTestId("customer-details")).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Invoices" })).toBeVisible();
  await expect(page.locator("tbody tr").first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
});
