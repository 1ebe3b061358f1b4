// The live stream (/query/live, Server-Sent Events). A browser EventSource cannot send the
// bearer token, so the stream is read with fetch. Each committed analytics batch refreshes
// the figures on screen: the dashboards' reports, and the orders and invoices it touched.
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { session } from "../auth/session";
import { parse } from "./sse";
import { EVERYTHING, merge, staleAfter, type Stale } from "./stale";

export interface LiveBatch {
  position: number;
  events: number;
  batch_ms: number;
  orders: { id: string; status: string }[];
  changed: Record<string, unknown[] | null>;
}

interface LiveState {
  connected: boolean;
  position: number | null;
  lastBatchAt: number | null;
}

const LiveContext = createContext<LiveState>({ connected: false, position: null, lastBatchAt: null });
type Listener = (batch: LiveBatch) => void;
const listeners = new Set<Listener>();

/** Call LISTENER with every batch while the component is mounted. */
export function useLiveBatches(listener: Listener): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    const wrapped: Listener = (batch) => ref.current(batch);
    listeners.add(wrapped);
    return () => {
      listeners.delete(wrapped);
    };
  }, []);
}

export function useLive(): LiveState {
  return useContext(LiveContext);
}

const REFRESH_MS = 250;

// Experiment B: rows pushed by the server are applied to the sales reports in place.
type Row = Record<string, unknown>;
interface SalesReport {
  rows: Row[];
  totals: Record<string, unknown>;
}
const PATCHED = ["sales-hourly", "sales-daily"];

function addDecimal(a: string, b: string): string {
  const scale = 4;
  const big = (v: string) => {
    const neg = v.startsWith("-");
    const [i, f = ""] = (neg ? v.slice(1) : v).split(".");
    const n = BigInt(i! + f.padEnd(scale, "0").slice(0, scale));
    return neg ? -n : n;
  };
  const n = big(a) + big(b);
  const neg = n < 0n;
  const digits = (neg ? -n : n).toString().padStart(scale + 1, "0");
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/0+$/, "").replace(/\.$/, "");
  return (neg ? "-" : "") + text;
}

function applyRows(client: QueryClient, batch: LiveBatch): boolean {
  let applied = false;
  for (const [name, report, key] of [
    ["sales_by_hour", "sales-hourly", "hour"],
    ["sales_by_day", "sales-daily", "day"],
  ] as const) {
    const rows = batch.changed[name];
    if (!Array.isArray(rows) || rows.length === 0 || typeof rows[0] !== "object") continue;
    applied = true;
    const fresh = new Map((rows as Row[]).map((r) => [String(r[key]), r]));
    client.setQueriesData<SalesReport>({ queryKey: ["query", report] }, (old) => {
      if (!old) return old;
      const next = old.rows.map((r) => {
        const row = fresh.get(String(r[key]));
        return row ? { ...r, ...row } : r;
      });
      const totals: Record<string, unknown> = { orders: 0, units: 0, revenue: "0", tax: "0", gross: "0" };
      for (const r of next) {
        totals.orders = (totals.orders as number) + Number(r.orders);
        totals.units = (totals.units as number) + Number(r.units);
        for (const m of ["revenue", "tax", "gross"]) totals[m] = addDecimal(totals[m] as string, String(r[m]));
      }
      return { ...old, rows: next, totals };
    });
  }
  return applied;
}

let rowsMode = false;

function refresh(client: QueryClient, stale: Stale): void {
  void client.invalidateQueries({
    queryKey: ["query"],
    predicate: (q) => !(rowsMode && PATCHED.includes(q.queryKey[1] as string)),
  });
  void client.invalidateQueries({ queryKey: ["stats"] });
  for (const key of ["orders", "billing", "inventory"] as const) {
    if (stale[key]) void client.invalidateQueries({ queryKey: [key] });
  }
}

export function LiveProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>({ connected: false, position: null, lastBatchAt: null });

  useEffect(() => {
    if (!enabled) return;
    const stop = new AbortController();
    let pending: Stale | undefined;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;

    // At most one refresh per REFRESH_MS: a burst of batches costs one round of requests.
    const schedule = (batch: LiveBatch | null) => {
      const stale = staleAfter(batch);
      pending = pending === undefined ? stale : merge(pending, stale);
      if (timer) return;
      const wait = Math.max(0, last + REFRESH_MS - Date.now());
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        const due = pending ?? EVERYTHING;
        pending = undefined;
        refresh(client, due);
      }, wait);
    };

    async function run() {
      let backoff = 1000;
      while (!stop.signal.aborted) {
        try {
          const token = await session.accessToken();
          if (!token) return;
          const response = await fetch("/query/live", {
            headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
            signal: stop.signal,
          });
          if (!response.ok || !response.body) throw new Error(`live stream answered ${response.status}`);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          const buffer = { text: "" };
          backoff = 1000;
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer.text += value;
            for (const message of parse(buffer)) {
              if (message.event === "hello") {
                setState((s) => ({ ...s, connected: true }));
                schedule(null); // anything missed while away
              } else if (message.event === "batch") {
                const batch = JSON.parse(message.data) as LiveBatch;
                setState({ connected: true, position: batch.position, lastBatchAt: Date.now() });
                for (const listener of listeners) listener(batch);
                if (applyRows(client, batch)) rowsMode = true;
                schedule(batch);
              } else if (message.event === "reload") {
                schedule(null);
              }
            }
          }
        } catch {
          if (stop.signal.aborted) return;
        }
        setState((s) => ({ ...s, connected: false }));
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 15_000);
      }
    }

    void run();
    return () => {
      stop.abort();
      if (timer) clearTimeout(timer);
      setState({ connected: false, position: null, lastBatchAt: null });
    };
  }, [enabled, client]);

  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}
