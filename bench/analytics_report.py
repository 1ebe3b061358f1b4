"""The analytics section of docs/PERFORMANCE.md, from bench/analytics.py's result."""

from __future__ import annotations

import re
from typing import Any

from bench.harness.docs import write_section

GOAL_INGEST = 50_000  # events/s (PRODUCT.md §10; the original plan accepted 1,000)
GOAL_QUERY_P95_MS = 20.0  # at 1 M orders (the plan accepted 500 ms)
GOAL_LIVE_P99_MS = 250.0  # order → dashboard under load (the plan accepted 2 s)


def _ms(value: Any) -> str:
    return "–" if value is None else f"{value:.1f}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "not met"


def block(result: dict[str, Any]) -> str:
    m = result["machine"]
    ingest, replay, live = result["ingest"], result["replay"], result["live"]
    queries = result["queries"]
    worst = max(q["client"]["p95"] for q in queries.values())
    worst_exec = max(q["execution"]["p95"] for q in queries.values())
    rate = ingest["median_events_per_second"]
    out = [
        "## Analytics (DuckDB projector, query API, live push)",
        "",
        f"Run {result['started_at'][:16].replace('T', ' ')} UTC with "
        f"`{result['command']}` on {m.get('cpu_model')} ({m.get('nproc')} CPUs, "
        f"{m.get('ram_gib')} GiB, load average before {result.get('loadavg_before')}), "
        f"commit {m.get('git_commit')}. Raw numbers: `bench/results/*-analytics.json`.",
        "",
        "| what | result | goal | |",
        "| --- | --- | --- | --- |",
        f"| projector ingest (synthetic lifecycles, batches of {ingest['batch_size']}, "
        f"median of {len(ingest['runs'])}) | {rate:,.0f} events/s | ≥ {GOAL_INGEST:,} events/s "
        f"| {_verdict(rate >= GOAL_INGEST)} |",
        f"| replay of the demo history from the outbox (`pulse analytics project`) | "
        f"{replay['events_per_second']:,.0f} events/s ({replay['seconds']} s) | – | |",
        f"| `pulse demo load --orders {result['history']['orders']:,}` | "
        f"{result['history']['load_seconds']} s | usable for this benchmark | |",
        f"| worst p95 of the /query endpoints, client side, {result['history']['orders']:,} "
        f"orders | {_ms(worst)} ms (in DuckDB: {_ms(worst_exec)} ms) "
        f"| < {GOAL_QUERY_P95_MS:.0f} ms "
        f"| {_verdict(worst < GOAL_QUERY_P95_MS)} |",
        f"| order → live push, first of {live['listeners']} dashboards, {live['clients']} "
        f"clients placing orders | p50 {_ms(live['first_listener']['p50'])} ms, "
        f"p99 {_ms(live['first_listener']['p99'])} ms | p99 < {GOAL_LIVE_P99_MS:.0f} ms | "
        f"{_verdict((live['first_listener']['p99'] or 1e9) < GOAL_LIVE_P99_MS)} |",
        "",
        "### Query latency by endpoint",
        "",
        f"One request at a time, {next(iter(queries.values()))['client']['count']} samples each "
        "after 3 warm-up requests; client = HTTP round trip, DuckDB = `execution_time_ms`.",
        "",
        "| endpoint | client p50 | client p95 | DuckDB p50 | DuckDB p95 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for url, q in queries.items():
        out.append(
            f"| `{url}` | {_ms(q['client']['p50'])} | {_ms(q['client']['p95'])} | "
            f"{_ms(q['execution']['p50'])} | {_ms(q['execution']['p95'])} |"
        )
    out += [
        "",
        "### Live push",
        "",
        f"{live['clients']} clients each placed {live['orders'] // max(live['clients'], 1)} "
        f"orders (pausing 0–200 ms between them) while {live['listeners']} dashboards listened "
        f"on `/query/live`; {live['pushed']} of {live['orders']} orders were seen as sales, "
        f"{live['errors']} POST errors. Latency = from sending POST /orders to the pushed batch "
        "that counts the order as a sale (after stock reservation and confirmation).",
        "",
        "| measured at | p50 | p95 | p99 | max |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, key in (
        ("first dashboard", "first_listener"),
        ("every dashboard", "every_listener"),
        ("of which: order → confirmed (business pipeline)", "order_to_confirmed"),
        ("of which: confirmed → pushed (projector and push)", "confirmed_to_push"),
    ):
        s = live[key]
        out.append(
            f"| {name} | {_ms(s['p50'])} | {_ms(s['p95'])} | {_ms(s['p99'])} | {_ms(s['max'])} |"
        )
    mem = result.get("memory", {}).get("peak_rss_mib_sum")
    out += [
        "",
        f"Peak RSS of the serving process over the run: {mem} MiB.",
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def write(result: dict[str, Any]) -> None:
    write_section("analytics", block(result))
