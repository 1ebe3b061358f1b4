import { describe, expect, it } from "vitest";
import type { LiveBatch } from "./LiveProvider";
import { merge, staleAfter } from "./stale";

const batch = (changed: string[], orders: string[] = []): LiveBatch => ({
  position: 1,
  events: 1,
  batch_ms: 1,
  orders: orders.map((id) => ({ id, status: "confirmed" })),
  changed: Object.fromEntries(changed.map((name) => [name, null])),
});

describe("what a live batch makes stale", () => {
  it("refreshes only the pages the batch can have moved", () => {
    expect(staleAfter(batch(["sales_by_hour", "sales_by_day"], ["o1"]))).toEqual({ orders: true, billing: false, inventory: false });
    expect(staleAfter(batch(["cash_by_day", "ar_aging"]))).toEqual({ orders: false, billing: true, inventory: false });
    expect(staleAfter(batch(["stock_snapshot"]))).toEqual({ orders: false, billing: false, inventory: true });
  });

  it("refreshes everything after a reconnect or a reload", () => {
    expect(staleAfter(null)).toEqual({ orders: true, billing: true, inventory: true });
  });

  it("adds batches that arrive within one refresh", () => {
    expect(merge(staleAfter(batch(["stock_snapshot"])), staleAfter(batch([], ["o2"])))).toEqual({ orders: true, billing: false, inventory: true });
  });
});
