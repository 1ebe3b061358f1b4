// After a batch of the live stream: which pages' data may have moved.
import type { LiveBatch } from "./LiveProvider";

/** Which business pages a batch can have moved, from what it changed; reports always move. */
export interface Stale {
  orders: boolean;
  billing: boolean;
  inventory: boolean;
}

export const EVERYTHING: Stale = { orders: true, billing: true, inventory: true };

/** What one batch makes stale (null: a reconnect or a reload, where anything may have moved). */
export function staleAfter(batch: LiveBatch | null): Stale {
  if (batch === null) return EVERYTHING;
  const changed = Object.keys(batch.changed);
  return {
    orders: batch.orders.length > 0,
    // Invoices, payments, credit notes and voids move cash_by_day (and aging with them).
    billing: changed.includes("cash_by_day") || changed.includes("ar_aging"),
    inventory: changed.includes("stock_snapshot"),
  };
}

export function merge(a: Stale, b: Stale): Stale {
  return { orders: a.orders || b.orders, billing: a.billing || b.billing, inventory: a.inventory || b.inventory };
}
