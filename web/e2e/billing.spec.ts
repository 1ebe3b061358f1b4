// Billing: invoices issued for real orders, paid and credited through the dialogs, the ledger
// and trial balance that follow, PDFs, what a viewer may not do, and the tablet layout.
import type { APIRequestContext, Page } from "@playwright/test";
import { apiAs, expect, expectAccessible, signIn, test } from "./fixtures";

interface Invoice {
  id: string;
  number: string;
  order_id: string | null;
  status: string;
  total: string;
  balance: string;
  amount_paid: string;
  pdf_url: string;
  payments: { id: string; amount: string; reference: string }[];
  credit_notes: { id: string; number: string; total: string; reason: string }[];
}

const suffix = () => Math.random().toString(36).slice(2, 8).toUpperCase();

/** Amounts in the tests are compared in cents, never as floats. */
function cents(value: string): bigint {
  const [whole = "0", fraction = ""] = value.split(".");
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0").slice(0, 2));
}
function decimal(value: bigint): string {
  return `${value / 100n}.${(value % 100n).toString().padStart(2, "0")}`;
}

let currency = "";
async function formatter(request: APIRequestContext): Promise<(value: string) => string> {
  if (!currency) currency = (await (await apiAs(request, "accountant")).get<{ currency: string }>("/auth/me")).currency;
  const format = new Intl.NumberFormat("en-GB", { style: "currency", currency });
  return (value) => format.format(value as unknown as number);
}

/**
 * A fresh order, for a customer of its own (a customer another test is looking at never gets
 * it), of the in-stock product with most stock; its invoice.
 */
async function orderWithInvoice(request: APIRequestContext): Promise<Invoice> {
  const accountant = await apiAs(request, "accountant");
  const clerk = await apiAs(request, "clerk");
  const tag = Math.random().toString(36).slice(2, 8);
  const customer = await clerk.post<{ id: string }>("/customers", { name: `Billing Test ${tag}`, email: `billing-${tag}@example.com` });
  const stock = await accountant.get<{ items: { sku: string; available: number; active: boolean }[] }>("/inventory?active=true&limit=200");
  const product = [...stock.items].filter((p) => p.active).sort((a, b) => b.available - a.available)[0];
  expect(product && product.available > 0, "some product is in stock").toBeTruthy();
  const order = await clerk.post<{ id: string }>("/orders", { customer_id: customer.id, items: [{ sku: product!.sku, qty: 1 }] });

  let invoiceId = "";
  await expect
    .poll(
      async () => {
        const page = await accountant.get<{ items: { id: string; order_id: string | null }[] }>(`/billing/invoices?customer_id=${customer.id}&limit=50`);
        invoiceId = page.items.find((i) => i.order_id === order.id)?.id ?? "";
        return invoiceId;
      },
      { timeout: 30_000, message: "the order gets its invoice" },
    )
    .not.toBe("");
  return accountant.get<Invoice>(`/billing/invoices/${invoiceId}`);
}

async function invoiceNow(request: APIRequestContext, id: string): Promise<Invoice> {
  return (await apiAs(request, "accountant")).get<Invoice>(`/billing/invoices/${id}`);
}

async function openInvoice(page: Page, invoice: Invoice) {
  await page.goto(`/app/billing/invoices/${invoice.id}`);
  await expect(page.getByRole("heading", { level: 1, name: `Invoice ${invoice.number}` })).toBeVisible();
}

test("an accountant records a part payment, then the rest, and the invoice follows without a reload", async ({ page, request }) => {
  const money = await formatter(request);
  const invoice = await orderWithInvoice(request);
  expect(cents(invoice.total)).toBeGreaterThan(1000n);
  await signIn(page, "accountant");
  await openInvoice(page, invoice);
  await expect(page.getByTestId("invoice-status")).toHaveText("Issued");
  await expect(page.getByTestId("balance")).toHaveText(money(invoice.total));
  for (const name of ["Record payment", "Issue credit note", "Void"]) await expect(page.getByRole("button", { name })).toBeVisible();
  await expectAccessible(page);
  // Marks this document: a full reload would lose it.
  await page.evaluate(() => ((window as unknown as { billingMark: number }).billingMark = 1));

  await page.getByRole("button", { name: "Record payment" }).click();
  const dialog = page.getByRole("dialog", { name: /Record payment/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Amount")).toHaveValue(invoice.balance);
  await expectAccessible(page);
  const reference = `E2E-${suffix()}`;
  await dialog.getByLabel("Amount").fill("10.00");
  await dialog.getByLabel("Method").selectOption("cash");
  await dialog.getByLabel("Reference").fill(reference);
  await dialog.getByRole("button", { name: "Record payment" }).click();
  await expect(dialog).toBeHidden();

  const left = decimal(cents(invoice.total) - 1000n);
  await expect(page.getByTestId("invoice-status")).toHaveText("Partially paid");
  await expect(page.getByTestId("balance")).toHaveText(money(left));
  await expect(page.getByTestId("amount-paid")).toHaveText(money("10.00"));
  await expect(page.getByTestId("invoice-payments")).toContainText(reference);
  await expect(page.getByRole("button", { name: "Void" })).toHaveCount(0);

  await page.getByRole("button", { name: "Record payment" }).click();
  await expect(dialog.getByLabel("Amount")).toHaveValue(left);
  await dialog.getByRole("button", { name: "Record payment" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("invoice-status")).toHaveText("Paid");
  await expect(page.getByTestId("balance")).toHaveText(money("0.00"));
  await expect(page.getByRole("button", { name: "Record payment" })).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { billingMark?: number }).billingMark)).toBe(1);

  const after = await invoiceNow(request, invoice.id);
  expect(after.status).toBe("paid");
  expect(after.payments.map((p) => p.amount).sort()).toEqual(["10.00", left].sort());
});

test("a payment made elsewhere shows on an open invoice through the live stream", async ({ page, request }) => {
  const money = await formatter(request);
  const invoice = await orderWithInvoice(request);
  await signIn(page, "viewer");
  await openInvoice(page, invoice);
  await expect(page.getByTestId("balance")).toHaveText(money(invoice.total));
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  const clerk = await apiAs(request, "clerk");
  await clerk.post(`/billing/invoices/${invoice.id}/pay`, { amount: "5.00", method: "card", reference: `LIVE-${suffix()}` });
  await expect(page.getByTestId("invoice-status")).toHaveText("Partially paid", { timeout: 20_000 });
  await expect(page.getByTestId("balance")).toHaveText(money(decimal(cents(invoice.total) - 500n)));
});

test("paying more than the balance shows the server's message at the amount and records nothing", async ({ page, request }) => {
  const invoice = await orderWithInvoice(request);
  await signIn(page, "accountant");
  await openInvoice(page, invoice);
  await page.getByRole("button", { name: "Record payment" }).click();
  const dialog = page.getByRole("dialog", { name: /Record payment/ });
  const amount = dialog.getByLabel("Amount");
  await amount.fill(decimal(cents(invoice.total) + 10_000n));
  await dialog.getByRole("button", { name: "Record payment" }).click();
  const message = dialog.locator("#f-amount-error");
  await expect(message).toContainText("more than");
  await expect(message).toContainText(invoice.balance);
  await expect(amount).toHaveAttribute("aria-invalid", "true");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  const after = await invoiceNow(request, invoice.id);
  expect(after.payments).toEqual([]);
  expect(after.balance).toBe(invoice.balance);
  await expect(page.getByTestId("invoice-status")).toHaveText("Issued");
});

test("a credit note for an amount is listed and lowers the balance", async ({ page, request }) => {
  const money = await formatter(request);
  const invoice = await orderWithInvoice(request);
  await signIn(page, "accountant");
  await openInvoice(page, invoice);
  await page.getByRole("button", { name: "Issue credit note" }).click();
  const dialog = page.getByRole("dialog", { name: /Issue credit note/ });
  await expect(dialog).toBeVisible();
  await expectAccessible(page);
  const reason = `Scratched box ${suffix()}`;
  await dialog.getByLabel("Amount (tax included)").fill("5.00");
  await dialog.getByLabel("Reason").fill(reason);
  await dialog.getByRole("button", { name: "Issue credit note" }).click();
  await expect(dialog).toBeHidden();

  const notes = page.getByTestId("invoice-credit-notes");
  await expect(notes).toContainText(reason);
  await expect(notes).toContainText(money("5.00"));
  await expect(page.getByTestId("amount-credited")).toHaveText(money("5.00"));
  await expect(page.getByTestId("balance")).toHaveText(money(decimal(cents(invoice.total) - 500n)));
  const after = await invoiceNow(request, invoice.id);
  expect(after.credit_notes.map((c) => c.reason)).toEqual([reason]);
  await expect(page.getByRole("button", { name: `Download credit note ${after.credit_notes[0]!.number} as PDF` })).toBeVisible();
});

test("crediting a whole line credits the invoice in full", async ({ page, request }) => {
  const money = await formatter(request);
  const invoice = await orderWithInvoice(request);
  await signIn(page, "accountant");
  await openInvoice(page, invoice);
  await page.getByRole("button", { name: "Issue credit note" }).click();
  const dialog = page.getByRole("dialog", { name: /Issue credit note/ });
  await dialog.getByLabel("Lines").check();
  await dialog.getByRole("button", { name: "Issue credit note" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("Enter a quantity to credit on at least one line.");
  await dialog.getByLabel(/Quantity to credit/).first().fill("2");
  await dialog.getByRole("button", { name: "Issue credit note" }).click();
  await expect(dialog.getByRole("alert").first()).toContainText("left to credit");
  await dialog.getByLabel(/Quantity to credit/).first().fill("1");
  await dialog.getByLabel("Reason").fill("Returned unopened");
  await dialog.getByRole("button", { name: "Issue credit note" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("invoice-status")).toHaveText("Credited");
  await expect(page.getByTestId("amount-credited")).toHaveText(money(invoice.total));
  await expect(page.getByTestId("balance")).toHaveText(money("0.00"));
  await expect(page.getByRole("button", { name: "Issue credit note" })).toHaveCount(0);
});

test("voiding an unpaid invoice asks for a reason and leaves nothing owed", async ({ page, request }) => {
  const money = await formatter(request);
  const invoice = await orderWithInvoice(request);
  await signIn(page, "accountant");
  await openInvoice(page, invoice);
  await page.getByRole("button", { name: "Void" }).click();
  const dialog = page.getByRole("dialog", { name: /Void invoice/ });
  await expect(dialog.getByRole("button", { name: "Void invoice" })).toBeDisabled();
  await expectAccessible(page);
  await dialog.getByLabel("Reason").fill("Entered twice");
  await dialog.getByRole("button", { name: "Void invoice" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("invoice-status")).toHaveText("Void");
  await expect(page.getByTestId("balance")).toHaveText(money("0.00"));
  await expect(page.getByText("This invoice is void: Entered twice")).toBeVisible();
  await expect(page.getByRole("button", { name: "Record payment" })).toHaveCount(0);
});

test("the trial balance shows Balanced with equal totals", async ({ page }) => {
  await signIn(page, "accountant");
  await page.goto("/app/billing/trial-balance");
  await expect(page.getByRole("heading", { level: 1, name: "Trial balance" })).toBeVisible();
  await expect(page.getByTestId("balance-check")).toContainText("Balanced");
  const debit = await page.getByTestId("total-debit").textContent();
  const credit = await page.getByTestId("total-credit").textContent();
  expect(debit).toMatch(/\d/);
  expect(debit).toBe(credit);
  expect(await page.getByTestId("trial-balance").locator("tbody tr").count()).toBeGreaterThan(2);
  await expect(page.getByRole("link", { name: "Trial balance" })).toHaveAttribute("aria-current", "page");
  await expectAccessible(page);
});

test("the ledger lists a payment's journal entry, balanced", async ({ page, request }) => {
  const money = await formatter(request);
  const invoice = await orderWithInvoice(request);
  const reference = `LEDGER-${suffix()}`;
  await (await apiAs(request, "clerk")).post(`/billing/invoices/${invoice.id}/pay`, { amount: "7.00", method: "bank_transfer", reference });
  await signIn(page, "accountant");
  await page.goto("/app/billing/ledger");
  await expect(page.getByRole("heading", { level: 1, name: "Ledger" })).toBeVisible();
  const entry = page.getByTestId("journal-entry").filter({ hasText: reference });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText(`Payment on invoice ${invoice.number}`);
  await expect(entry.locator("tr.entry-total")).toContainText("Balanced");
  await expect(entry.locator("tr.entry-total td.num")).toHaveText([money("7.00"), money("7.00")]);
  await expectAccessible(page);
});

test("the invoice PDF downloads as <number>.pdf once rendered", async ({ page, request }) => {
  const invoice = await orderWithInvoice(request);
  const { token } = await apiAs(request, "accountant");
  await expect
    .poll(async () => (await request.get(invoice.pdf_url, { headers: { Authorization: `Bearer ${token}` } })).status(), { timeout: 30_000 })
    .toBe(200);
  await signIn(page, "accountant");
  await openInvoice(page, invoice);
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download PDF" }).click();
  const file = await downloading;
  expect(file.suggestedFilename()).toBe(`${invoice.number}.pdf`);
  expect(file.suggestedFilename()).toMatch(/\.pdf$/);
});

test("a viewer sees invoices but no payment, credit or void actions", async ({ page, request }) => {
  const invoice = await orderWithInvoice(request);
  await signIn(page, "viewer");
  await page.goto("/app/billing");
  await expect(page.getByRole("heading", { level: 1, name: "Invoices" })).toBeVisible();
  await expect(page.getByTestId("invoice-list").locator("tbody tr").first()).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel("Status").selectOption("issued");
  await expect(page).toHaveURL(/status=issued/);
  const statuses = page.getByTestId("invoice-list").locator("tbody td:last-child");
  await expect.poll(async () => [...new Set(await statuses.allTextContents())]).toEqual(["Issued"]);

  await openInvoice(page, invoice);
  await expect(page.getByRole("button", { name: "Download PDF" })).toBeVisible();
  for (const name of ["Record payment", "Issue credit note", "Void"]) await expect(page.getByRole("button", { name })).toHaveCount(0);
  await expectAccessible(page);
});

test("filters that match nothing say so, and the payments list links to invoices", async ({ page }) => {
  await signIn(page, "accountant");
  await page.goto("/app/billing?from=1990-01-01&to=1990-12-31");
  await expect(page.getByText("No invoice matches these filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.getByTestId("invoice-list")).toBeVisible();

  await page.getByRole("link", { name: "Payments" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Payments" })).toBeVisible();
  const first = page.locator("tbody tr").first().getByRole("link");
  await expect(first).toHaveText(/^INV-/);
  await expectAccessible(page);
});

test("at 768×1024 the invoice list fits the screen", async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await signIn(page, "accountant");
  await page.goto("/app/billing");
  await expect(page.getByTestId("invoice-list")).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Balance" })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
  // The status column is on screen without scrolling the table sideways.
  const status = await page.getByRole("columnheader", { name: "Status" }).boundingBox();
  expect(status && status.x + status.width).toBeLessThanOrEqual(768);
});
