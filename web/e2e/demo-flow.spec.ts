// The demo flow end to end, all through the browser: sign in, place an order, watch it
// confirmed, open its invoice, record the payment — and the dashboard, open in another tab,
// moves without being reloaded.
import { expect, expectAccessible, test } from "./fixtures";
import { USERS } from "./users";

test("sign in, order, confirm, invoice, pay, and the dashboard follows live", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();

  // Sign in through the form.
  await page.goto("/app/");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(USERS.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toContainText(/admin/i);

  // The dashboard, in a second tab of the same browser (the session is shared), left open
  // for the whole flow.
  const dashboard = await context.newPage();
  await dashboard.goto(page.url());
  const ordersKpi = dashboard.getByTestId("kpi-orders");
  const revenueKpi = dashboard.getByTestId("kpi-revenue");
  await expect(ordersKpi).toHaveText(/\d/);
  await expect(dashboard.getByText("Live", { exact: true })).toBeVisible();
  const ordersBefore = Number((await ordersKpi.innerText()).replace(/\D/g, ""));
  const revenueBefore = await revenueKpi.innerText();
  await dashboard.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });

  // Place an order: customer and product found by typing.
  await page.getByRole("link", { name: "Orders" }).click();
  await page.getByRole("link", { name: "New order" }).click();
  await expect(page.getByRole("heading", { name: "New order", level: 1 })).toBeVisible();
  const customer = page.getByRole("combobox", { name: "Find customer" });
  await customer.pressSequentially("northwind", { delay: 20 });
  // The list first shows any customers, then the matches: pick once only the match is left.
  await expect(page.getByRole("option")).toHaveText([/Northwind Studio/]);
  await customer.press("Enter");
  await expect(customer).toHaveValue("Northwind Studio");
  const product = page.getByRole("combobox", { name: "Add product" });
  await product.pressSequentially("travel tripod", { delay: 20 });
  await expect(page.getByRole("option")).toHaveText([/Carbon travel tripod/]);
  await product.press("Enter");
  await page.getByRole("spinbutton", { name: "Quantity of Carbon travel tripod" }).fill("2");
  // 2 × 189.00 = 378.00, tax 20 % = 75.60, total 453.60.
  await expect(page.getByTestId("draft-total")).toHaveText(/453\.60$/);
  await page.getByRole("button", { name: "Place order" }).click();

  // Confirmed and invoiced by the consumers, shown without a reload.
  await expect(page).toHaveURL(/\/app\/orders\/[0-9a-f-]{36}$/);
  const timeline = page.getByRole("list", { name: "Status timeline" });
  await expect(timeline.locator('li[data-step="confirmed"]')).toHaveClass(/done/);
  await expect(timeline.locator('li[data-step="invoiced"]')).toHaveClass(/done/);
  await expectAccessible(page);

  // The invoice, and its payment.
  await page.getByRole("link", { name: /^INV-/ }).click();
  await expect(page).toHaveURL(/\/app\/billing\/invoices\//);
  await expect(page.getByTestId("invoice-status")).toContainText(/issued/i);
  await page.getByRole("button", { name: "Record payment" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByLabel("Amount")).toHaveValue("453.60");
  await dialog.getByLabel("Method").selectOption("bank_transfer");
  await dialog.getByRole("button", { name: "Record payment" }).click();
  await expect(page.getByTestId("invoice-status")).toContainText(/paid/i);
  await expect(page.getByTestId("invoice-status")).not.toContainText(/partially/i);

  // The order has followed: paid.
  await page.goBack();
  await expect(timeline.locator('li[data-step="paid"]')).toHaveClass(/done/);

  // The dashboard tab moved by itself: one more order, more revenue, same page load.
  await expect.poll(async () => Number((await ordersKpi.innerText()).replace(/\D/g, "")), { timeout: 20_000 }).toBeGreaterThan(ordersBefore);
  await expect(revenueKpi).not.toHaveText(revenueBefore);
  expect(await dashboard.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await context.close();
});
