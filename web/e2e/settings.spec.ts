import type { Page } from "@playwright/test";
import { expect, expectAccessible, signIn, test } from "./fixtures";

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
// A 1x1 PNG. Other browser tests run beside these against the same server, so they leave
// the currency and the invoice prefix alone, which those tests read.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

async function openSettings(page: Page) {
  await page.goto("/app/admin/settings");
  await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
  await expect(page.getByLabel("Company name")).not.toHaveValue("");
  await expect(page.getByTestId("numbering-table")).toBeVisible();
}

test("an admin changes the company, sees a refusal, adds a tax rate and uploads a logo", async ({ page }) => {
  const name = `E2E Trading ${suffix()}`;
  await signIn(page, "admin");
  await openSettings(page);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" })).toBeVisible();
  await expectAccessible(page);

  const form = page.getByRole("form", { name: "Company settings" });
  await form.getByLabel("Company name").fill(name);
  await form.getByLabel("VAT / tax ID").fill("GB123456789");
  await form.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved the company settings" })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Company name")).toHaveValue(name);
  await expect(page.getByLabel("VAT / tax ID")).toHaveValue("GB123456789");

  // A value the server refuses is named next to its field, and nothing is saved.
  await form.getByLabel("Currency").fill("ABC");
  await form.getByRole("button", { name: "Save settings" }).click();
  await expect(form.getByRole("alert")).toContainText("not an ISO 4217 currency code");
  await expect(form.getByLabel("Currency")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);
  await form.getByRole("button", { name: "Undo changes" }).click();
  await expect(form.getByLabel("Currency")).toHaveValue("EUR");

  const code = `e2e-${suffix()}`;
  const taxForm = page.getByRole("form", { name: "New tax rate" });
  await taxForm.getByLabel("Code").fill(code);
  await taxForm.getByLabel("Name").fill("Reduced E2E");
  await taxForm.getByLabel("Rate (%)").fill("7.5");
  await taxForm.getByRole("button", { name: "Add tax rate" }).click();
  await expect(page.getByTestId("tax-rates-table").locator("tr", { hasText: code })).toContainText("7.5 %");

  await page.getByLabel("Upload logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
  await expect(page.getByTestId("logo-preview")).toBeVisible();
  await expectAccessible(page);
});

test("numbering can move forward but never back", async ({ page }) => {
  await signIn(page, "admin");
  await openSettings(page);
  const next = page.getByTestId("next-credit_notes");
  const current = Number((await next.textContent())?.replace(/\D/g, ""));

  await page.getByRole("button", { name: "Edit credit notes numbering" }).click();
  const dialog = page.getByRole("dialog", { name: "Credit notes numbering" });
  await expect(dialog.getByLabel("Next number")).toHaveValue(String(current));
  await expectAccessible(page);
  if (current > 1) {
    await dialog.getByLabel("Next number").fill(String(current - 1));
    await dialog.getByRole("button", { name: "Save numbering" }).click();
    await expect(dialog.getByRole("alert")).toContainText("cannot go back");
    await expectAccessible(page);
  }
  const target = current + 100;
  await dialog.getByLabel("Next number").fill(String(target));
  await dialog.getByLabel("Digits").fill("7");
  await dialog.getByRole("button", { name: "Save numbering" }).click();
  await expect(dialog).toBeHidden();
  await expect(next).toHaveText(`CN-${String(target).padStart(7, "0")}`);

  await page.getByRole("button", { name: "Edit credit notes numbering" }).click();
  await dialog.getByLabel("Next number").fill(String(current));
  await dialog.getByRole("button", { name: "Save numbering" }).click();
  await expect(dialog.getByRole("alert")).toContainText("cannot go back");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(next).toHaveText(`CN-${String(target).padStart(7, "0")}`);
});

test("a clerk sees the settings but cannot change them", async ({ page }) => {
  await signIn(page, "clerk");
  await openSettings(page);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" })).toHaveCount(0);
  await expect(page.getByLabel("Company name")).toBeDisabled();
  await expect(page.getByRole("button", { name: "Save settings" })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "New tax rate" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit credit notes numbering" })).toHaveCount(0);
  await expectAccessible(page);
});
