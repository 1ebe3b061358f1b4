// Initial JavaScript of the sign-in and dashboard pages (bytes as sent: gzip) and the time
// from navigation to the first KPI figure on the dashboard. Medians of ROUNDS fresh browser
// contexts (cold cache each time). Writes bench/results/<date>-web.json in the repository.
import { mkdirSync, writeFileSync } from "node:fs";
import { test, type Page } from "@playwright/test";
import { signIn } from "../e2e/fixtures";

const ROUNDS = Number(process.env.ROUNDS ?? 7);

interface Sample {
  scripts: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
  ms: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function load(page: Page, path: string, ready: (page: Page) => Promise<void>): Promise<Sample> {
  const sizes: Promise<{ type: string; bytes: number }>[] = [];
  page.on("requestfinished", (request) => {
    const type = request.resourceType();
    if (type === "script" || type === "stylesheet") {
      sizes.push(request.sizes().then((s) => ({ type, bytes: s.responseBodySize })));
    }
  });
  const started = Date.now();
  await page.goto(path);
  await ready(page);
  const ms = Date.now() - started;
  const done = await Promise.all(sizes);
  const scripts = done.filter((s) => s.type === "script");
  return {
    scripts: scripts.length,
    jsGzipBytes: scripts.reduce((sum, s) => sum + s.bytes, 0),
    cssGzipBytes: done.filter((s) => s.type === "stylesheet").reduce((sum, s) => sum + s.bytes, 0),
    ms,
  };
}

function summary(samples: Sample[]) {
  return {
    rounds: samples.length,
    scripts: samples[0]!.scripts,
    js_gzip_bytes: median(samples.map((s) => s.jsGzipBytes)),
    css_gzip_bytes: median(samples.map((s) => s.cssGzipBytes)),
    ms_median: median(samples.map((s) => s.ms)),
    ms_min: Math.min(...samples.map((s) => s.ms)),
    ms_max: Math.max(...samples.map((s) => s.ms)),
  };
}

test("initial JavaScript and time to dashboard data", async ({ browser }) => {
  const login: Sample[] = [];
  const dashboard: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await browser.newContext();
    const pa = await a.newPage();
    login.push(await load(pa, "/app/login", (p) => p.getByRole("button", { name: "Sign in" }).waitFor()));
    await a.close();

    const b = await browser.newContext();
    const pb = await b.newPage();
    await signIn(pb, "admin");
    dashboard.push(
      await load(pb, "/app/", async (p) => {
        await p.getByTestId("kpi-revenue").filter({ hasText: /\d/ }).waitFor();
      }),
    );
    await b.close();
  }
  const result = {
    date: new Date().toISOString().slice(0, 10),
    login: summary(login),
    dashboard: summary(dashboard),
    note: "gzip bytes as sent by the Python app; ms from navigation start to the Sign-in button / first KPI figure",
  };
  console.log(JSON.stringify(result, null, 2));
  const folder = new URL("../../bench/results/", import.meta.url).pathname;
  mkdirSync(folder, { recursive: true });
  writeFileSync(`${folder}${result.date}-web.json`, JSON.stringify(result, null, 2) + "\n");
});
