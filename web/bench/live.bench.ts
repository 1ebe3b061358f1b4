// `LIVE_ORDERS=50 npx playwright test -c playwright.bench.config.ts live` (skipped without
// LIVE_ORDERS): from an order's POST to the dashboard showing it. LIVE_ORDERS orders one at a
// time (each waits for its figures), then LIVE_ORDERS more sent at once (a burst). Timed in
// the page (epoch ms, the same clock as this process): when the live stream brought the
// batch that counts the order as sold (the stream the app reads, teed), and when the
// "Sales, last 24 hours" card's order count and the Orders key figure showed it (a
// MutationObserver). Writes LIVE_OUT (JSON, every sample) when set. docs/PERFORMANCE.md,
// "Live push: names and keys, or rows", has the numbers and how they were taken.
import { writeFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { apiAs, signIn } from "../e2e/fixtures";

const ORDERS = Number(process.env.LIVE_ORDERS ?? 0);

interface Seen {
  at: number;
  hourly: number;
  kpi: number;
}

interface Sample {
  pushed: number;
  hourly: number;
  kpi: number;
  hourlyAfterPush: number;
  kpiAfterPush: number;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Every change of the two figures from now on, with the page's clock (epoch ms). */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const digits = (el: Element | null) => Number((el?.textContent ?? "").replace(/\D/g, "") || NaN);
    const read = () => {
      const card = Array.from(document.querySelectorAll("section, .card")).find((c) => c.textContent?.includes("Sales, last 24 hours"));
      const total = card?.querySelector(".chart-total")?.textContent ?? "";
      const match = /·\s*([\d.,\s\u202f\u00a0]+)\s+orders?/.exec(total);
      return { hourly: match ? Number(match[1]!.replace(/\D/g, "")) : NaN, kpi: digits(document.querySelector('[data-testid="kpi-orders"]')) };
    };
    const w = window as unknown as { __seen: Seen[] };
    w.__seen = [];
    let last = read();
    w.__seen.push({ at: performance.timeOrigin + performance.now(), ...last });
    new MutationObserver(() => {
      const next = read();
      if (next.hourly !== last.hourly || next.kpi !== last.kpi) {
        last = next;
        w.__seen.push({ at: performance.timeOrigin + performance.now(), ...next });
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Tee the live stream the app reads: when each batch arrived and which orders it counts as sold. */
async function tapLiveStream(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const sold = ["confirmed", "invoiced", "paid", "shipped", "completed"];
    const pushes: { at: number; orders: string[] }[] = [];
    (window as unknown as { __pushes: typeof pushes }).__pushes = pushes;
    const original = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await original(input, init);
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (!url.includes("/query/live") || !response.body) return response;
      const [mine, theirs] = response.body.tee();
      void (async () => {
        const reader = theirs.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          const at = performance.timeOrigin + performance.now();
          text += value;
          let end: number;
          while ((end = text.indexOf("\n\n")) >= 0) {
            const block = text.slice(0, end);
            text = text.slice(end + 2);
            if (!block.includes("event: batch")) continue;
            const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("");
            const batch = JSON.parse(data) as { orders: { id: string; status: string }[] };
            pushes.push({ at, orders: batch.orders.filter((o) => sold.includes(o.status)).map((o) => o.id) });
          }
        }
      })();
      return new Response(mine, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
  });
}

/** When each order was first pushed as sold. */
async function pushedAt(page: Page): Promise<Map<string, number>> {
  const pushes = await page.evaluate(() => (window as unknown as { __pushes: { at: number; orders: string[] }[] }).__pushes);
  const at = new Map<string, number>();
  for (const p of pushes) for (const id of p.orders) if (!at.has(id)) at.set(id, p.at);
  return at;
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: Seen[] }).__seen);

/** When each figure first reached TARGET, or null. */
function reached(log: Seen[], figure: "hourly" | "kpi", target: number): number | null {
  return log.find((s) => s[figure] >= target)?.at ?? null;
}

test("order → dashboard figure", async ({ page, request }) => {
  test.skip(!ORDERS, "set LIVE_ORDERS to run");
  test.setTimeout(600_000);
  const admin = await apiAs(request, "admin");
  const customers = await admin.get<{ items: { id: string }[] }>("/customers?limit=1");
  const sku = `LIVE-${Date.now()}`;
  await admin.post("/inventory", { sku, name: "Live bench item", price: "10.00", tax_rate: "0.20", qty_on_hand: 100000 });
  const clerk = await apiAs(request, "clerk");
  const order = () => clerk.post<{ id: string }>("/orders", { customer_id: customers.items[0]!.id, items: [{ sku, qty: 1 }] });
  // One sale first, so the product is in the analytics store and the hourly card is not empty.
  await order();

  await signIn(page, "admin");
  await tapLiveStream(page);
  await page.goto("/app/?days=7");
  await expect(page.getByTestId("live-stamp")).toContainText("Live");
  await expect(page.locator(".chart-total").first()).toContainText(/order/, { timeout: 30_000 });
  await page.waitForTimeout(2000);
  await watch(page);
  let refetches = 0;
  page.on("request", (r) => {
    if (r.url().includes("/query/sales/hourly")) refetches++;
  });
  const base = (await seen(page))[0]!;
  expect(base.hourly).toBeGreaterThan(0);

  const sequential: Sample[] = [];
  for (let i = 1; i <= ORDERS; i++) {
    const sent = now();
    const { id } = await order();
    await page.waitForFunction(
      (n) => (window as unknown as { __seen: Seen[] }).__seen.some((s) => s.hourly >= n.h && s.kpi >= n.k),
      { h: base.hourly + i, k: base.kpi + i },
      { timeout: 30_000, polling: 50 },
    );
    const log = await seen(page);
    const pushed = (await pushedAt(page)).get(id)!;
    const hourly = reached(log, "hourly", base.hourly + i)!;
    const kpi = reached(log, "kpi", base.kpi + i)!;
    sequential.push({ pushed: pushed - sent, hourly: hourly - sent, kpi: kpi - sent, hourlyAfterPush: hourly - pushed, kpiAfterPush: kpi - pushed });
    await page.waitForTimeout(300 + Math.random() * 200);
  }

  await page.waitForTimeout(1000);
  const before = (await seen(page)).at(-1)!;
  const sentAt: number[] = [];
  const ids = await Promise.all(
    Array.from({ length: ORDERS }, async () => {
      sentAt.push(now());
      return (await order()).id;
    }),
  );
  await page.waitForFunction(
    (n) => (window as unknown as { __seen: Seen[] }).__seen.some((s) => s.hourly >= n.h && s.kpi >= n.k),
    { h: before.hourly + ORDERS, k: before.kpi + ORDERS },
    { timeout: 60_000, polling: 50 },
  );
  const log = await seen(page);
  const pushedBurst = await pushedAt(page);
  const pushTimes = ids.map((id) => pushedBurst.get(id)!).sort((a, b) => a - b);
  // The k-th count of the burst is measured from the k-th POST sent and the k-th order pushed.
  const burst: Sample[] = sentAt.map((sent, k) => {
    const hourly = reached(log, "hourly", before.hourly + k + 1)!;
    const kpi = reached(log, "kpi", before.kpi + k + 1)!;
    const pushed = pushTimes[k]!;
    return { pushed: pushed - sent, hourly: hourly - sent, kpi: kpi - sent, hourlyAfterPush: hourly - pushed, kpiAfterPush: kpi - pushed };
  });
  const out = { sequential, burst, updates: log.length, hourly_refetches: refetches };
  if (process.env.LIVE_OUT) writeFileSync(process.env.LIVE_OUT, JSON.stringify(out));
  for (const [name, samples] of [["one at a time", sequential], ["burst", burst]] as const) {
    for (const field of ["pushed", "hourly", "kpi", "hourlyAfterPush", "kpiAfterPush"] as const) {
      const sorted = samples.map((s) => s[field]).sort((a, b) => a - b);
      const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(0);
      console.log(`${name}, ${field}: median ${at(0.5)} ms, p95 ${at(0.95)} ms`);
    }
  }
});
