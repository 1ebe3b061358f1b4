"""Render results: a console summary, docs/PERFORMANCE.md, and py-spy profile tops."""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from bench.harness.docs import fmt, kept_block, machine_table

NOTES_START = "<!-- notes:start -->"
NOTES_END = "<!-- notes:end -->"
# Sections written by the other benchmarks (bench/billing.py, bench/analytics.py,
# bench/side_by_side.py, bench/steps.py, bench/users.py, bench/push.py, bench/soak.py,
# bench/login_time.py) or by hand from their runs (bench-web, bench/login_flood.py,
# bench/sql_attack.py), kept as they are, in this order.
KEPT_SECTIONS = (
    "billing",
    "analytics",
    "web",
    "login-flood",
    "sql-attack",
    "stages",
    "side-by-side",
    "users",
    "push",
    "soak",
    "login-time",
)

REFERENCE_RPS = 560  # the original plan's service at concurrency 100, insert + publish only
REFERENCE_P95_MS = 310
GOAL_P50_C1_MS = 3.0
GOAL_API_P95_MS = 50.0  # PRODUCT.md §10: API p95 < 50 ms at 100 concurrent users
GOAL_CONFIRM_P99_MS = 250.0  # PRODUCT.md §10: order → dashboard p99 < 250 ms under load
GOAL_EMBEDDED_RSS_MIB = 300.0

TITLES = {
    "embedded": "Embedded mode — SQLite + embedded bus, one process",
    "services": "Services mode — PostgreSQL + bus, separate API, relay and worker processes",
}


def latest_results(results_dir: Path) -> dict[str, dict]:
    """The newest complete result file of each mode (quick runs only if nothing else)."""
    latest: dict[str, dict] = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        mode = data.get("mode")
        if mode not in TITLES:
            continue
        current = latest.get(mode)
        rank = (not data.get("quick"), data.get("started_at", ""))
        if current is None or rank >= (not current.get("quick"), current.get("started_at", "")):
            latest[mode] = data
    return latest


def console_summary(result: dict) -> str:
    lines = [
        f"== {result['mode']} ({result.get('status')}) "
        f"load avg at start {result.get('loadavg_start')}"
    ]
    if result.get("error"):
        lines.append("error: " + result["error"].splitlines()[0])
    table = result.get("summary", {}).get("by_concurrency", {})
    for conc, row in table.items():
        lines.append(
            f"  c={conc:>3}: {fmt(row['throughput_rps'])} orders/s  p50 {fmt(row['p50'], 2)}"
            f"  p95 {fmt(row['p95'], 2)}  p99 {fmt(row['p99'], 2)} ms  errors "
            f"{row['errors_total']}  | confirmed p50 {fmt(row['confirm_p50'])} p95 "
            f"{fmt(row['confirm_p95'])} p99 {fmt(row['confirm_p99'])} ms"
        )
    probe = result.get("summary", {}).get("probe")
    if probe:
        lines.append(
            f"  probe (one at a time, 2 ms polls): confirmed p50 {fmt(probe['p50'])} "
            f"p95 {fmt(probe['p95'])} p99 {fmt(probe['p99'])} ms"
        )
    memory = result.get("memory")
    if memory:
        per = ", ".join(f"{k} {fmt(v['peak_rss_mib'])} MiB" for k, v in memory["processes"].items())
        lines.append(f"  peak RSS: {per} (sum {fmt(memory['peak_rss_mib_sum'])} MiB)")
    pg = result.get("pgbench", {}).get("summary")
    if pg:
        for conc, row in pg.items():
            ratio = result.get("flow_vs_pgbench", {}).get(conc)
            lines.append(
                f"  pgbench c={row['clients']}: {fmt(row['tps'])} tps p50 "
                f"{fmt(row['p50'], 2)} ms; full flow / pgbench = {fmt(ratio, 3)}"
            )
    return "\n".join(lines)


# -- Markdown ---------------------------------------------------------------------------


def _mode_section(result: dict) -> list[str]:
    out = [f"## {TITLES[result['mode']]}", ""]
    out.append(f"- Date (UTC): {result['started_at']}; command: `{result['command']}`")
    out.append(
        f"- Load average (1, 5, 15 min) at start: {result['loadavg_start']}, after the "
        f"load points: {result.get('loadavg_after_points', result.get('loadavg_end'))}"
    )
    wiring = result.get("wiring", {})
    if wiring:
        out.append(
            f"- Wiring: {wiring.get('database')}; bus: {wiring.get('bus')}; processes: "
            + ", ".join(f"`{p}`" for p in wiring.get("processes", []))
        )
    if s_env := result["settings"].get("server_env_overrides"):
        out.append(
            "- Server settings changed from the defaults: "
            + ", ".join(f"`{k}={v}`" for k, v in s_env.items())
        )
    if result.get("note"):
        out.append(f"- Note: {result['note']}")
    s = result["settings"]
    out.append(
        f"- {s['rounds']} round(s); each point {s['warmup_s']:g} s warm-up + "
        f"{s['duration_s']:g} s measured; orders of {s['lines_per_order']} lines over "
        f"{s['products']} products and {s['customers']} customers; quoted values are "
        "medians over the rounds" + (" (**quick run**)" if result.get("quick") else "")
    )
    out.append("")
    if result.get("status") != "ok":
        out += ["**The run failed:**", "", "```", result.get("error", "")[:1500], "```", ""]
        return out
    table = result["summary"]["by_concurrency"]
    out += [
        "### POST /orders (closed loop)",
        "",
        "| concurrency | orders/s | p50 ms | p95 ms | p99 ms | errors | server CPU % | "
        "server CPU ms/order | server waiting for a CPU % | client CPU ms/request |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for conc, row in table.items():
        out.append(
            f"| {conc} | {fmt(row['throughput_rps'])} | {fmt(row['p50'], 2)} | "
            f"{fmt(row['p95'], 2)} | {fmt(row['p99'], 2)} | {row['errors_total']} | "
            f"{fmt(row['server_cpu_pct'], 0)} | {fmt(row['server_cpu_ms_per_order'], 2)} | "
            f"{fmt(row.get('waiting_for_cpu_pct'), 1)} | "
            f"{fmt(row['client_cpu_ms_per_request'], 2)} |"
        )
    out += [
        "",
        "### Order → `confirmed`, server side (outbox `occurred_at`)",
        "",
        "| concurrency | p50 ms | p95 ms | p99 ms | created → relayed p50 | relayed → reserved "
        "p50 | reserved → confirmed p50 | confirmed/s | backlog drained after load (s) | "
        "confirmed / placed (all rounds) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for conc, row in table.items():
        out.append(
            f"| {conc} | {fmt(row['confirm_p50'])} | {fmt(row['confirm_p95'])} | "
            f"{fmt(row['confirm_p99'])} | {fmt(row['relay_p50'])} | "
            f"{fmt(row['reserve_p50'])} | {fmt(row['confirm_stage_p50'])} | "
            f"{fmt(row['confirmed_per_s'])} | {fmt(row['drain_s'], 2)} | "
            f"{fmt(row.get('orders_confirmed'))} / {fmt(row.get('orders_placed'))} |"
        )
    probe = result["summary"]["probe"]
    out += [
        "",
        "### Order → `confirmed`, client side (one order at a time, GET every 2 ms)",
        "",
        "| samples (all rounds) | POST p50 ms | confirmed p50 ms | p95 ms | p99 ms | GETs per "
        "order | failures |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {probe['samples']} | {fmt(probe['post_p50'], 2)} | {fmt(probe['p50'])} | "
        f"{fmt(probe['p95'])} | {fmt(probe['p99'])} | {fmt(probe['mean_polls'])} | "
        f"{probe['failures']} |",
        "",
        "The same orders as the server recorded them (p50 ms): created → confirmed "
        f"{fmt(probe.get('server_total_p50'))}; created → relayed "
        f"{fmt(probe.get('server_created_to_relayed_p50'))}, relayed → reserved "
        f"{fmt(probe.get('server_relayed_to_reserved_p50'))}, reserved → confirmed "
        f"{fmt(probe.get('server_reserved_to_confirmed_p50'))}.",
        "",
        "### Memory (VmHWM, peak resident set, after the whole run)",
        "",
        "| process | peak RSS MiB |",
        "| --- | ---: |",
    ]
    memory = result["memory"]
    for name, mem in memory["processes"].items():
        out.append(f"| `{name}` | {fmt(mem['peak_rss_mib'])} |")
    if len(memory["processes"]) > 1:
        out.append(f"| **sum** | {fmt(memory['peak_rss_mib_sum'])} |")
    pg = result.get("pgbench")
    if pg and pg.get("summary"):
        per_point = len(pg["runs"]) // max(1, len(pg["summary"]))
        out += [
            "",
            "### The database's own limit (pgbench, single-row INSERT per transaction)",
            "",
            "Same PostgreSQL server, run after the Pulse processes stopped; `-M prepared -j 2 "
            f"-T {pg['runs'][0]['duration_s']}`, median of {per_point} run(s) per point. "
            "Script:",
            "",
            "```sql",
            pg["script"].strip(),
            "```",
            "",
            "| clients | INSERT tx/s | p50 ms | p95 ms | p99 ms | full order flow orders/s "
            "| flow / pgbench |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for conc, row in pg["summary"].items():
            flow_rps = table.get(conc, {}).get("throughput_rps")
            ratio = result.get("flow_vs_pgbench", {}).get(conc)
            clients = f"{row['clients']}" + (
                "" if str(row["clients"]) == conc else f" (asked {conc})"
            )
            out.append(
                f"| {clients} | {fmt(row['tps'])} | {fmt(row['p50'], 2)} | "
                f"{fmt(row['p95'], 2)} | {fmt(row['p99'], 2)} | {fmt(flow_rps)} | "
                f"{fmt(ratio * 100 if ratio else None)} % |"
            )
    out.append("")
    return out


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def _goals(results: dict[str, dict]) -> list[str]:
    out = [
        "## Against the goals",
        "",
        "The original plan's service did about "
        f"{REFERENCE_RPS} orders/s at concurrency 100 (p95 ≈ {REFERENCE_P95_MS} ms) doing only "
        "an order insert and a publish. Here every order runs the whole flow: validation, "
        "numbering, order + lines + history + outbox in one transaction, the relay, the stock "
        "reservation and the confirmation, each in its own transaction.",
        "",
        "| goal | " + " | ".join(TITLES_SHORT[m] for m in results) + " |",
        "| --- | " + " | ".join("---" for _ in results) + " |",
    ]

    def row(label: str, cell) -> str:
        return f"| {label} | " + " | ".join(cell(r) for r in results.values()) + " |"

    def by(r: dict, conc: str) -> dict:
        return r.get("summary", {}).get("by_concurrency", {}).get(conc, {})

    def rps100(r: dict) -> str:
        v = by(r, "100").get("throughput_rps")
        return "—" if v is None else f"{fmt(v)} orders/s — {_verdict(v > REFERENCE_RPS)}"

    def p50c1(r: dict) -> str:
        v = by(r, "1").get("p50")
        return "—" if v is None else f"{fmt(v, 2)} ms — {_verdict(v < GOAL_P50_C1_MS)}"

    def p95c100(r: dict) -> str:
        v = by(r, "100").get("p95")
        return "—" if v is None else f"{fmt(v, 1)} ms — {_verdict(v < GOAL_API_P95_MS)}"

    def conf99(r: dict) -> str:
        values = [
            row.get("confirm_p99")
            for row in r.get("summary", {}).get("by_concurrency", {}).values()
        ]
        values = [v for v in values if v is not None]
        if not values:
            return "—"
        worst = max(values)
        return f"worst {fmt(worst)} ms — {_verdict(worst < GOAL_CONFIRM_P99_MS)}"

    def errors(r: dict) -> str:
        rows = r.get("summary", {}).get("by_concurrency", {}).values()
        if not rows:
            return "—"
        total = sum(row.get("errors_total", 0) for row in rows)
        return f"{total} — {_verdict(total == 0)}"

    def rss(r: dict) -> str:
        mem = r.get("memory", {}).get("peak_rss_mib_sum")
        if mem is None:
            return "—"
        if r["mode"] != "embedded":
            return f"{fmt(mem)} MiB (sum)"
        return f"{fmt(mem)} MiB — {_verdict(mem < GOAL_EMBEDDED_RSS_MIB)}"

    out += [
        row(f"POST /orders at concurrency 100 > {REFERENCE_RPS}/s, whole flow", rps100),
        row(f"POST /orders p50 < {GOAL_P50_C1_MS:g} ms at concurrency 1", p50c1),
        row(f"API p95 < {GOAL_API_P95_MS:g} ms at 100 concurrent (PRODUCT.md §10)", p95c100),
        row(
            f"order → confirmed p99 < {GOAL_CONFIRM_P99_MS:g} ms under load "
            "(PRODUCT.md §10 asks it of order → dashboard, which includes this)",
            conf99,
        ),
        row("zero errors", errors),
        row(f"embedded mode < {GOAL_EMBEDDED_RSS_MIB:g} MB RSS", rss),
    ]
    return [*out, ""]


TITLES_SHORT = {"embedded": "embedded (SQLite)", "services": "services (PostgreSQL)"}

METHOD = """## Method

- `make bench` runs `.venv/bin/python -m bench.run` (flags: `--quick`, `--mode
  embedded|services|all`, `--duration`, `--warmup`, `--rounds`, `--concurrency 1,10,100`,
  `--services-bus auto|nats|embedded`, `--pgbench-duration`, `--pgbench-rounds`,
  `--no-pgbench`, `--set PULSE_NAME=VALUE`, `--profile`, `--keep`, `--no-docs`). Results:
  `bench/results/<date>-<mode>.json`; this file is rewritten from the newest full result
  of each mode and keeps the hand-written Notes section.
- `make bench` also runs `python -m bench.side_by_side` (Pulse against the plan's reference
  orders service, same client, rounds interleaved; its own section below, flags `--quick`,
  `--rounds`, `--duration`, `--warmup`, `--concurrency`, `--pulse embedded,services`) and
  `python -m bench.steps --record` (statements and CPU per order of each stage, against
  the baseline in `bench/results/stages-baseline.json`; its own section below), then
  `make bench-users` (100 users with think time under locust), `make bench-push` (order →
  live push at a steady open-loop rate) and `make bench-soak` (RSS over a 30-minute steady
  load), each with its own section below.
- Each mode starts from empty storage: a temporary data directory (embedded) or a fresh
  PostgreSQL database (services), migrated with `pulse db upgrade`. The server gets
  `PULSE_JWT_SECRET`; the benchmark mints an admin access token with the same claims as
  `TokenCodec.issue`, so no login is involved. Customers and products (10^8 units of stock
  each) are created through the API, and one order is followed to `confirmed` before any
  load, so a broken flow fails the run instead of producing numbers.
- Load: one client process, `N` asyncio workers on an aiohttp pool of `N` keep-alive
  connections; each worker posts the next order as soon as the previous answer arrives
  (closed loop). Latency is measured per request around the whole exchange. aiohttp, not
  httpx: the client shares the two CPUs with the server, and aiohttp spends about a sixth
  of the client CPU per request that httpx does (≈ 0.16 vs ≈ 1.0 ms against `/healthz`), so
  it takes less of the CPU the server needs; the client's own CPU per request is reported.
- After each point the benchmark waits until no order is left in `placed` (the backlog
  drain time is reported), then reads the outbox: `order.created`, `stock.reserved` and
  `order.confirmed` of every order placed in the measured window. `occurred_at` is stamped
  when an event is emitted, just before its transaction commits, so the server-side figure
  misses the final commit (≈ 1 ms). "relayed" is the `published_at` the relay writes; on
  SQLite the embedded stream numbers events at commit, so that stage is 0 there.
- The client-side probe places one order at a time on an otherwise idle server and reads
  `GET /orders/{id}` every 2 ms until it says `confirmed`; those reads load the server too.
- Server CPU % is the CPU time of the server process(es) over the point's wall time (100 %
  = one core; the services mode adds its three processes). CPU ms per order counts from
  the start of the point until the backlog drained, so it includes the consumers' work.
  "Waiting for a CPU" is the time the event-loop thread of the busiest process was
  runnable but not running (`/proc/<pid>/schedstat`): the point was short of CPU, from
  other work on the machine or, in the services mode, from its own processes, PostgreSQL,
  NATS and the load generator sharing the CPUs.
- Peak RSS is `VmHWM` from `/proc/<pid>/status` just before the processes are stopped.
- The load generator, pgbench and the server share the same machine (and, here, the
  machine's two CPUs with other work); the load average is recorded before and after.
"""


def markdown(results: dict[str, dict], previous: str = "") -> str:
    notes = ""
    if NOTES_START in previous and NOTES_END in previous:
        notes = previous.split(NOTES_START, 1)[1].split(NOTES_END, 1)[0].strip("\n")
    out = [
        "# Performance",
        "",
        "Benchmarks of the headline flow — POST /orders → stock reserved → order confirmed "
        "(and, since billing, invoiced) — in the embedded and the services mode, and "
        "PostgreSQL's own limit for comparison; billing's own figures (payments, invoice "
        "PDFs, order → invoice issued) close the file. Everything below the notes is "
        "generated by `make bench` (`bench/`).",
        "",
        "## Notes",
        "",
        NOTES_START,
        notes,
        NOTES_END,
        "",
    ]
    if not results:
        text = "\n".join([*out, "No results yet: run `make bench`.", ""])
    else:
        out += ["## Machine", "", *machine_table(next(iter(results.values()))["machine"]), ""]
        out += _goals(results)
        for mode in ("embedded", "services"):
            if mode in results:
                out += _mode_section(results[mode])
        out.append(METHOD)
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(out))
    for name in KEPT_SECTIONS:
        if block := kept_block(previous, name):
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    return text
