// docs/DEMO_SCRIPT.md, step by step, on the demo data: each section's clicks, with the names
// the script uses, so the script and the app cannot drift apart. (demo-flow.spec.ts checks
// the live updates of the dashboard in a second window.)
import { expect, test } from "./fixtures";
import { USERS } from "./users";

test("the seven-minute demo script, as written", async ({ page }) => {
  test.setTimeout(180_000);

  // 0:00 — Sign in: the top bar shows the user, the role badge and the live dot; Users in the sidebar.
  await page.goto("/app/");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(USERS.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toContainText("Admin");
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" })).toBeVisible();

  // 0:30 — The dashboard: KPI tiles, the period switch, low stock, recommendations.
  await expect(page.getByTestId("kpi-revenue")).toHaveText(/\d/);
  for (const period of ["7 days", "90 days", "30 days"]) {
    await page.getByRole("group", { name: "Period" }).getByRole("button", { name: period }).click();
    await expect(page.getByRole("button", { name: period })).toHaveAttribute("aria-pressed", "true");
  }
  const lowStock = page.getByRole("table", { name: "Products at or below their reorder point" });
  await expect(lowStock.getByRole("link", { name: "Spare battery pack" })).toBeVisible();
  await expect(lowStock.getByRole("link", { name: "ND filter kit" })).toBeVisible();
  // "Choose Reorder above the list, then Receive on the battery pack; keep the quantity."
  await page.getByRole("group", { name: "Show recommendations of kind" }).getByRole("button", { name: /^Reorder/ }).click();
  const battery = page.getByTestId("rec-reorder-BAT-6001");
  await expect(battery).toContainText("Spare battery pack");
  await battery.getByRole("button", { name: /^Receive \d/ }).click();
  const receive = page.getByRole("dialog", { name: "Receive stock" });
  await receive.getByRole("button", { name: "Receive", exact: true }).click();
  await expect(receive).toBeHidden();
  await expect(lowStock.getByRole("link", { name: "Spare battery pack" })).toHaveCount(0, { timeout: 30_000 });

  // 2:00 — Place an order.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
  await page.getByRole("link", { name: "New order" }).click();
  const customer = page.getByRole("combobox", { name: "Find customer" });
  await customer.pressSequentially("nor", { delay: 20 });
  await page.getByRole("option", { name: /Northwind Studio/ }).click();
  await expect(customer).toHaveValue("Northwind Studio");
  const product = page.getByRole("combobox", { name: "Add product" });
  await product.pressSequentially("camera", { delay: 20 });
  await page.getByRole("option", { name: /Mirrorless camera body/ }).click();
  await page.getByRole("spinbutton", { name: "Quantity of Mirrorless camera body" }).fill("2");
  await product.pressSequentially("128 GB", { delay: 20 });
  await page.getByRole("option", { name: /128 GB SD card/ }).click();
  await expect(page.getByTestId("draft-total")).toHaveText(/\d/);
  const camera = page.getByRole("spinbutton", { name: "Quantity of Mirrorless camera body" });
  await camera.fill("0");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page.getByRole("row", { name: /Mirrorless camera body/ }).getByRole("alert")).toBeVisible();
  await camera.fill("2");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/app\/orders\/[0-9a-f-]{36}$/);
  const timeline = page.getByRole("list", { name: "Status timeline" });
  await expect(timeline.locator('li[data-step="invoiced"]')).toHaveClass(/done/, { timeout: 30_000 });

  // 3:30 — Bill and get paid: part, too much (refused), the rest.
  await page.getByRole("link", { name: /^INV-/ }).click();
  await expect(page.getByRole("button", { name: "Download PDF" })).toBeVisible();
  await page.getByRole("button", { name: "Record payment" }).click();
  let pay = page.getByRole("dialog", { name: /Record payment/ });
  await pay.getByLabel("Amount").fill("100.00");
  await pay.getByLabel("Method").selectOption({ label: "Bank transfer" });
  await pay.getByRole("button", { name: "Record payment" }).click();
  await expect(page.getByTestId("invoice-status")).toContainText(/partially paid/i);
  await page.getByRole("button", { name: "Record payment" }).click();
  pay = page.getByRole("dialog", { name: /Record payment/ });
  const rest = await pay.getByLabel("Amount").inputValue();
  await pay.getByLabel("Amount").fill("999999.00");
  await pay.getByRole("button", { name: "Record payment" }).click();
  await expect(pay.locator("#f-amount-error")).toContainText("more than");
  await pay.getByLabel("Amount").fill(rest);
  await pay.getByRole("button", { name: "Record payment" }).click();
  await expect(page.getByTestId("invoice-status")).toContainText(/paid/i);
  await expect(page.getByTestId("invoice-status")).not.toContainText(/partially/i);
  await page.goBack();
  await expect(timeline.locator('li[data-step="paid"]')).toHaveClass(/done/);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).click();
  await expect(page.getByRole("link", { name: "Ledger" })).toBeVisible();
  await page.getByRole("link", { name: "Trial balance" }).click();
  await expect(page.getByText("Balanced", { exact: false }).first()).toBeVisible();

  // 5:30 — Stock and customers.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inventory" }).click();
  await page.getByRole("row", { name: /ND filter kit/ }).getByRole("link", { name: "FLT-7001" }).click();
  await page.getByRole("button", { name: "Receive", exact: true }).click();
  const stock = page.getByRole("dialog", { name: "Receive stock" });
  await stock.getByLabel("Quantity received").fill("20");
  await stock.getByRole("button", { name: "Receive" }).click();
  await expect(stock).toBeHidden();
  await expect(page.locator("tbody tr").first()).toContainText("+20");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" }).click();
  await page.getByLabel("Search").pressSequentially("fjord", { delay: 20 });
  await page.getByRole("link", { name: "Blue Fjord Media" }).click();
  await expect(page.getByRole("heading", { name: "Blue Fjord Media", level: 1 })).toBeVisible();
});
