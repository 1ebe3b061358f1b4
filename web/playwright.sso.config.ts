import { defineConfig } from "@playwright/test";

// The SSO browser test: the provider and the Pulse server are started (and stopped) by the
// pytest test that runs this (tests/integration/sso/test_browser_login.py); their addresses
// come in the environment.
const chromium = process.env.PULSE_E2E_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e-sso",
  outputDir: "test-results-sso",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.PULSE_SSO_BASE_URL,
    viewport: { width: 1366, height: 768 },
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
});
