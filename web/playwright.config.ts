import { defineConfig } from "@playwright/test";

// One product server for the run: embedded mode, a fresh data folder, demo data.
// The browser is Debian's chromium (`make test` installs it); Playwright's own download is not used.
const port = Number(process.env.PULSE_E2E_PORT ?? 8765);
const chromium = process.env.PULSE_E2E_CHROMIUM ?? "/usr/bin/chromium";
const webDir = process.env.PULSE_E2E_WEB_DIR ?? "dist";
const dataDir = `.e2e-data/${port}`;
const adminPassword = "e2e-admin-password";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1366, height: 768 },
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `rm -rf ${dataDir} && ../.venv/bin/pulse up --demo --port ${port}`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PULSE_DATA_DIR: dataDir,
      PULSE_ADMIN_PASSWORD: adminPassword,
      PULSE_LOG_LEVEL: "WARNING",
      PULSE_WEB_DIR: webDir,
    },
  },
});
