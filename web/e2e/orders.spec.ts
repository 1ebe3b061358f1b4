import type { Page } from "@playwright/test";
import { apiAs, expect, expectAccessible, signIn, test } from "./fixtures";

interface Made {
  suffix: string;
  customer: { id: string; name: string };
  products: { sku: string; name: string }[];
}

/** A customer and products of this test's own, so parallel runs never see each other's data. */
async function makeData(request: Parameters<typeof apiAs>[0], productCount = 1): Promise<Made> {
  const admin = await apiAs(request, "admin");
  const suffix = Math.random().toString(36).slice(2, 8);
  const customer = await admin.post<{ id: string; name: string }>("/customers", {
    name: `Orders Test ${suffix}`,
    email: `orders-${suffix}@example.com`,
  });
  const products = [];
  for (let i = 0; i < productCount; i++) {
    products.push(
      await admin.post<{ sku: string; name: string }>("/inventory", {
        sku: `ORD-${suffix}-${i}`,
        name: `Test lens ${suffix} ${i}`,
        // 12.35 × 2 = 24.70; tax at 7.5 % is 1.8525, rounded half-up to 1.85.
        price: "12.35",
        tax_rate: "0.075",
        qty_on_hand: 50,
      }),
    );
  }
  return { suffix, customer, products };
}

async function pickCustomer(page: Page, made: Made) {
  const input = page.getByRole("combobox", { name: "Find customer" });
  await input.pressSequentially(`test ${made.suffix}`, { delay: 20 });
  await expect(page.getByRole("option", { name: new RegExp(made.customer.name) })).toBeVisible();
  await input.press("Enter");
  await expect(input).toHaveValue(made.customer.name);
}

async function addProduct(page: Page, name: string) {
  const input = page.getByRole("combobox", { name: "Add product" });
  await input.pressSequentially(name.slice(5), { delay: 20 });
  await page.getByRole("option", { name: new RegExp(name) }).click();
  await expect(input).toHaveValue("");
}

const timelineStep = (page: Page, step: string) => page.getByRole("list", { name: "Status timeline" }).locator(`li[data-step="${step}"]`);

test("a clerk places an order with the pickers and sees it confirmed live", async ({ page, request }) => {
  const made = await makeData(request);
  const product = made.products[0]!;
  await signIn(page, "clerk");
  await page.goto("/app/orders/new");
  await expect(page.getByRole("heading", { name: "New order", level: 1 })).toBeVisible();

  await pickCustomer(page, made);
  await page.getByRole("combobox", { name: "Add product" }).pressSequentially(`lens ${made.suffix}`, { delay: 20 });
  await expect(page.getByRole("listbox")).toBeVisible();
  await expectAccessible(page); // with the listbox open
  await page.getByRole("option", { name: new RegExp(product.name) }).click();

  await page.getByRole("spinbutton", { name: `Quantity of ${product.name}` }).fill("2");
  await expect(page.getByTestId("line-total-0")).toHaveText(/^\D*24\.70$/);
  await expect(page.getByTestId("draft-tax")).toHaveText(/^\D*1\.85$/);
  await expect(page.getByTestId("draft-total")).toHaveText(/^\D*26\.55$/);
  await expectAccessible(page);

  // A double click must not place the order twice.
  await page.getByRole("button", { name: "Place order" }).dblclick();
  await expect(page).toHaveURL(/\/app\/orders\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Order /);
  const admin = await apiAs(request, "admin");
  const placed = await admin.get<{ total: number }>(`/orders?customer_id=${made.customer.id}`);
  expect(placed.total).toBe(1);
  await expect(page.getByTestId("order-total")).toHaveText(/^\D*26\.55$/);
  await expect(page.getByText(made.customer.name)).toBeVisible();
  // Stock is reserved in the background; the live stream brings the change without a reload.
  await expect(timelineStep(page, "confirmed")).toHaveClass(/done/);
  await expect(page.getByRole("row", { name: /stock reserved/ })).toBeVisible();
  await expectAccessible(page);
});

test("a quantity the server refuses is shown next to that line's quantity", async ({ page, request }) => {
  const made = await makeData(request, 2);
  await signIn(page, "clerk");
  await page.goto("/app/orders/new");
  await pickCustomer(page, made);
  for (const p of made.products) await addProduct(page, p.name);

  const second = made.products[1]!;
  await page.getByRole("spinbutton", { name: `Quantity of ${second.name}` }).fill("0");
  await page.getByRole("button", { name: "Place order" }).click();

  const secondRow = page.getByRole("row", { name: new RegExp(second.name) });
  await expect(secondRow.getByRole("alert")).toContainText(/greater than 0/);
  await expect(secondRow.getByRole("spinbutton")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("row", { name: new RegExp(made.products[0]!.name) }).getByRole("alert")).toHaveCount(0);
  await expect(page).toHaveURL(/\/app\/orders\/new$/);

  // Editing the quantity clears the stale message and the order goes through.
  await page.getByRole("spinbutton", { name: `Quantity of ${second.name}` }).fill("3");
  await expect(secondRow.getByRole("alert")).toHaveCount(0);
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/app\/orders\/[0-9a-f-]{36}$/);
});

test("Enter pressed before the search has answered picks from the typed text's results", async ({ page, request }) => {
  const made = await makeData(request);
  await signIn(page, "clerk");
  await page.goto("/app/orders/new");
  const input = page.getByRole("combobox", { name: "Find customer" });
  await input.focus();
  // The first list (every customer) is on screen; the answer for the typed text is slow.
  await expect(page.getByRole("option").first()).toBeVisible();
  await page.route((url) => url.pathname.endsWith("/customers") && (url.searchParams.get("q") ?? "").includes(made.suffix), async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    await route.continue();
  });
  await input.pressSequentially(`test ${made.suffix}`, { delay: 10 });
  await input.press("Enter");
  await expect(input).toHaveValue(made.customer.name);
  await expect(page.getByTestId("picked-customer")).toBeVisible();
});

test("the list filters by status and pages through the results", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/app/orders");
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
  const statuses = page.locator("tbody tr td:nth-child(3)");
  await expect(statuses.first()).toBeVisible();

  await page.getByLabel("Status", { exact: true }).selectOption("cancelled");
  await expect(page).toHaveURL(/status=cancelled/);
  await expect.poll(async () => [...new Set(await statuses.allTextContents())]).toEqual(["Cancelled"]);
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText(/^1–20 of \d+/);
  const firstNumber = await page.locator("tbody tr td:first-child").first().textContent();

  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/offset=20/);
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText(/^21–\d+ of \d+/);
  await expect(page.locator("tbody tr td:first-child").first()).not.toHaveText(firstNumber ?? "");
  await expect.poll(async () => [...new Set(await statuses.allTextContents())]).toEqual(["Cancelled"]);

  // The filter lives in the URL: a reload keeps it.
  await page.reload();
  await expect(page.getByLabel("Status", { exact: true })).toHaveValue("cancelled");
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText(/^21–/);
  await expectAccessible(page);
});

test("a viewer sees neither New order nor Cancel", async ({ page, request }) => {
  const made = await makeData(request);
  const clerk = await apiAs(request, "clerk");
  const order = await clerk.post<{ id: string; number: string }>("/orders", {
    customer_id: made.customer.id,
    items: [{ sku: made.products[0]!.sku, qty: 1 }],
  });
  await signIn(page, "viewer");
  const me = page.waitForResponse((r) => r.url().endsWith("/auth/me") && r.ok());
  await page.goto("/app/orders");
  await me;
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "New order" })).toHaveCount(0);

  await page.goto(`/app/orders/${order.id}`);
  await expect(page.getByRole("heading", { name: `Order ${order.number}` })).toBeVisible();
  await expect(page.getByRole("list", { name: "Status timeline" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel order" })).toHaveCount(0);

  // Someone else cancels it (by now it is invoiced: an accountant may void the invoice): the
  // open page follows through the live stream, no reload.
  await (await apiAs(request, "accountant")).post(`/orders/${order.id}/cancel`, { reason: "cancelled elsewhere" });
  await expect(page.getByRole("list", { name: "Status timeline" }).locator("li.stopped")).toContainText("cancelled elsewhere");
});

/** An order the clerk placed, once billing has invoiced it. */
async function invoicedOrder(request: Parameters<typeof apiAs>[0]) {
  const made = await makeData(request);
  const clerk = await apiAs(request, "clerk");
  const order = await clerk.post<{ id: string; number: string }>("/orders", {
    customer_id: made.customer.id,
    items: [{ sku: made.products[0]!.sku, qty: 1 }],
  });
  await expect.poll(async () => (await clerk.get<{ status: string }>(`/orders/${order.id}`)).status).toBe("invoiced");
  return order;
}

test("a clerk is not offered Cancel once the order is invoiced (that voids the invoice)", async ({ page, request }) => {
  const order = await invoicedOrder(request);
  await signIn(page, "clerk");
  const me = page.waitForResponse((r) => r.url().endsWith("/auth/me") && r.ok());
  await page.goto(`/app/orders/${order.id}`);
  await me;
  await expect(timelineStep(page, "invoiced")).toHaveClass(/done/);
  await expect(page.getByRole("button", { name: "Cancel order" })).toHaveCount(0);
});

test("cancelling from the detail page stops the timeline at Cancelled", async ({ page, request }) => {
  const order = await invoicedOrder(request);
  await signIn(page, "accountant");
  await page.goto(`/app/orders/${order.id}`);
  await expect(page.getByRole("heading", { name: `Order ${order.number}` })).toBeVisible();

  await page.getByRole("button", { name: "Cancel order" }).click();
  const dialog = page.getByRole("dialog", { name: `Cancel order ${order.number}` });
  await expect(dialog).toBeVisible();
  await expectAccessible(page);
  await dialog.getByLabel("Reason").fill("Customer changed their mind");
  await dialog.getByRole("button", { name: "Cancel order" }).click();

  await expect(dialog).toBeHidden();
  const stopped = page.getByRole("list", { name: "Status timeline" }).locator("li.stopped");
  await expect(stopped).toContainText("Cancelled");
  await expect(stopped).toContainText("Customer changed their mind");
  await expect(timelineStep(page, "shipped")).toHaveCount(0);
  await expect(page.getByRole("row", { name: /Customer changed their mind/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel order" })).toHaveCount(0);
});

test("the list and the form fit a 768-px tablet", async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await signIn(page, "clerk");
  await page.goto("/app/orders");
  await expect(page.locator("tbody tr").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "New order" })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);

  await page.getByRole("link", { name: "New order" }).click();
  await expect(page.getByRole("combobox", { name: "Find customer" })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
});

test("a paid order can be marked shipped, and the timeline moves on", async ({ page, request }) => {
  const admin = await apiAs(request, "admin");
  const paid = await admin.get<{ items: { id: string; number: string }[] }>("/orders?status=paid&limit=1");
  const order = paid.items[0];
  expect(order, "the demo data has a paid order").toBeTruthy();
  await signIn(page, "clerk");
  await page.goto(`/app/orders/${order!.id}`);
  await expect(timelineStep(page, "paid")).toHaveClass(/done/);
  await expect(timelineStep(page, "shipped")).not.toHaveClass(/done/);
  await page.getByRole("button", { name: "Mark shipped" }).click();
  await expect(timelineStep(page, "shipped")).toHaveClass(/done/);
  await expect(page.getByRole("button", { name: "Mark completed" })).toBeVisible();
  await expect(page.getByRole("row", { name: /Paid.*Shipped/ })).toBeVisible();
});
