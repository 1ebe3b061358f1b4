// The live stream (/query/live, Server-Sent Events). A browser EventSource cannot send the
// bearer token, so the stream is read with fetch. Each committed analytics batch names what
// it changed (no figures: docs/ARCHITECTURE.md, "Live push"), and the figures on screen are
// refetched: the dashboards' reports, and the orders and invoices it touched.
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
  /** Each aggregate the batch changed, with its changed keys (null: too many to list). */
  changed: Record<string, (string | number)[] | null>;
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

function refresh(client: QueryClient, stale: Stale): void {
  void client.invalidateQueries({ queryKey: ["query"] });
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
