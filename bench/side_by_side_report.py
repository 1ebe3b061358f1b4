"""The side-by-side benchmark's medians, ratios, console lines and docs/PERFORMANCE.md section.

The section sits between `<!-- side-by-side:start -->` and `<!-- side-by-side:end -->`;
`python -m bench.run` keeps it (bench/report.py, KEPT_SECTIONS) and this module rewrites
only it.
"""

from __future__ import annotations

from bench.harness.docs import fmt, machine_table
from bench.harness.stats import median_of

NAME = "side-by-side"
KEYS = (
    "throughput_rps",
    "completed_rps",
    "settled_rps",
    "p50",
    "p95",
    "p99",
    "completed_after_load_s",
    "server_cpu_ms_per_order",
    "pg_nats_cpu_ms_per_order",
    "client_cpu_ms_per_request",
)
TITLES = {
    "reference": "reference service (plan's `main.py`: PostgreSQL + NATS)",
    "embedded": "Pulse embedded (SQLite, in-process bus, one process)",
    "embedded-analytics": "Pulse embedded, the analytics store in a second process",
    "services": "Pulse services (PostgreSQL + NATS; API, relay, worker)",
}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def summarise(points: list[dict], concurrencies: list[int]) -> dict:
    table: dict[str, dict[str, dict]] = {}
    for point in points:
        rows = table.setdefault(point["target"], {}).setdefault(str(point["concurrency"]), {})
        rows.setdefault("_points", []).append(point)
    for per_conc in table.values():
        for conc, row in per_conc.items():
            mine = row.pop("_points")
            row.update({key: median_of(p.get(key) for p in mine) for key in KEYS})
            row["errors"] = sum(p["errors"] for p in mine)
            row["rounds"] = len(mine)
            row["completed_rps_per_round"] = [p["completed_rps"] for p in mine]
            parts = {k for p in mine for k in p.get("cpu_ms_per_order_by_part", {})}
            row["cpu_ms_per_order_by_part"] = {
                k: median_of(p.get("cpu_ms_per_order_by_part", {}).get(k) for p in mine)
                for k in sorted(parts)
            }
            per_conc[conc] = row
    hi, lo = str(max(concurrencies)), str(min(concurrencies))
    ref = table.get("reference", {})
    ratios = {}
    for mode in ("embedded", "embedded-analytics", "services"):
        mine = table.get(mode)
        if not mine or not ref:
            continue
        ratios[mode] = {
            "concurrency_high": int(hi),
            "completed_rate_ratio_high": _ratio(
                mine.get(hi, {}).get("completed_rps"), ref.get(hi, {}).get("completed_rps")
            ),
            "answer_rate_ratio_high": _ratio(
                mine.get(hi, {}).get("throughput_rps"), ref.get(hi, {}).get("throughput_rps")
            ),
            "concurrency_low": int(lo),
            "p50_ratio_low": _ratio(mine.get(lo, {}).get("p50"), ref.get(lo, {}).get("p50")),
            "p50_low_ms": mine.get(lo, {}).get("p50"),
            "reference_p50_low_ms": ref.get(lo, {}).get("p50"),
        }
    return {"by_target": table, "ratios": ratios}


def ratio_lines(summary: dict) -> list[str]:
    lines = []
    for mode, r in summary["ratios"].items():
        lines.append(
            f"{mode}: completed rate pulse/reference at c={r['concurrency_high']} "
            f"{fmt(r['completed_rate_ratio_high'], 3)} "
            f"(answers {fmt(r['answer_rate_ratio_high'], 3)})"
            f"; p50 at c={r['concurrency_low']} {fmt(r['p50_low_ms'], 2)} ms vs "
            f"{fmt(r['reference_p50_low_ms'], 2)} ms (ratio {fmt(r['p50_ratio_low'], 2)})"
        )
    return lines


def _rows(summary: dict) -> list[tuple[str, str, dict]]:
    """(target, concurrency, medians) of every point, target by target."""
    return [
        (target, conc, row)
        for target, per_conc in summary["by_target"].items()
        for conc, row in per_conc.items()
    ]


def console(state: dict) -> str:
    lines = [f"== side by side ({state.get('status')}), load avg at start {state['loadavg_start']}"]
    if state.get("reference_skipped"):
        lines.append(f"reference service skipped: {state['reference_skipped']}")
    if state.get("error"):
        lines.append("error: " + state["error"].splitlines()[0])
    lines += [
        f"  {target:<9} c={conc:>3}: {fmt(row['throughput_rps'])} answers/s, completed "
        f"{fmt(row['completed_rps'])}/s, p50 {fmt(row['p50'], 2)} p95 "
        f"{fmt(row['p95'], 2)} ms, errors {row['errors']}, server CPU "
        f"{fmt(row['server_cpu_ms_per_order'], 2)} ms/order"
        for target, conc, row in _rows(state["summary"])
    ]
    return "\n".join([*lines, *ratio_lines(state["summary"])])


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _goals(summary: dict) -> list[str]:
    r = summary["ratios"].get("embedded")
    if not r:
        return []
    rate, p50 = r["completed_rate_ratio_high"], r["p50_ratio_low"]
    return [
        "| goal (issue 11, embedded mode) | measured | |",
        "| --- | ---: | --- |",
        f"| completed rate ≥ 1.0× the reference's at c={r['concurrency_high']} | "
        f"{fmt(rate, 3)}× | {_verdict(rate is not None and rate >= 1.0)} |",
        f"| p50 at c={r['concurrency_low']} ≤ the reference's | {fmt(r['p50_low_ms'], 2)} ms "
        f"vs {fmt(r['reference_p50_low_ms'], 2)} ms | "
        f"{_verdict(p50 is not None and p50 <= 1.0)} |",
        "",
    ]


def markdown(state: dict) -> str:
    s = state["settings"]
    out = [
        "## Side by side: Pulse and the plan's reference orders service",
        "",
        f"- Date (UTC): {state['started_at']}; command: `{state['command']}`"
        + (" (**quick run**)" if state.get("quick") else ""),
        f"- Load average at start {state['loadavg_start']}, at the end {state.get('loadavg_end')};"
        f" idle CPU % of a core before the rounds: {state.get('idle_cpu_pct')}",
        f"- {s['rounds']} round(s), concurrency {s['concurrency']}, each point "
        f"{s['warmup_s']:g} s warm-up + {s['duration_s']:g} s measured, targets interleaved "
        f"(reference, embedded, services) per point; medians over rounds. Orders: {s['orders']}.",
        "",
        *machine_table(state["machine"]),
        "",
    ]
    if state.get("reference_skipped"):
        out += [f"**The reference service was skipped:** {state['reference_skipped']}", ""]
    if state.get("status") != "ok":
        out += ["**The run failed:**", "", "```", state.get("error", "")[:1500], "```", ""]
    out += [*_goals(state["summary"]), *(f"- {line}" for line in ratio_lines(state["summary"]))]
    out += [
        "",
        "| system | c | answers/s | completed/s | p50 ms | p95 ms | p99 ms | errors | "
        "invoiced after load s | server CPU ms/order | PostgreSQL + NATS CPU ms/order | "
        "completed/s per round |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for target, conc, row in _rows(state["summary"]):
        out.append(
            f"| {TITLES.get(target, target)} | {conc} | {fmt(row['throughput_rps'])} | "
            f"{fmt(row['completed_rps'])} | {fmt(row['p50'], 2)} | {fmt(row['p95'], 2)} | "
            f"{fmt(row['p99'], 2)} | {row['errors']} | "
            f"{fmt(row['completed_after_load_s'], 2)} | "
            f"{fmt(row['server_cpu_ms_per_order'], 2)} | "
            f"{fmt(row.get('pg_nats_cpu_ms_per_order'), 2)} | "
            + ", ".join(fmt(v) for v in row["completed_rps_per_round"])
            + " |"
        )
    out += [
        "",
        "answers/s: 201 answers per second in the measured window. completed/s: for Pulse, "
        "orders invoiced in the point (warm-up included) / (first POST → the 50 ms poll of "
        "`GET /orders?status=invoiced` that saw every order answered so far invoiced), with "
        "every consumer running; for the reference service, whose order is done when it "
        "answers, its answers / (first POST → last answer). Server CPU ms/order: the server "
        "processes and their children (Pulse's PDF render process) from the first POST until "
        "the flow settled, per order. PostgreSQL + NATS: the backends serving the target's "
        "database and the (shared) NATS server over the same span, per order. "
        "Same client for all: bench/harness/load.py's closed loop. Only ratios from one run mean "
        "anything on this shared machine.",
        f"- Raw results: `bench/results/{state['date']}-side-by-side.json`",
    ]
    return "\n".join(out + _parts_table(state["summary"]))


def _parts_table(summary: dict) -> list[str]:
    """CPU ms per order of each process: in the services mode, the flow's stages."""
    rows = [
        (target, conc, part, value)
        for target, per_conc in summary["by_target"].items()
        for conc, row in per_conc.items()
        for part, value in row.get("cpu_ms_per_order_by_part", {}).items()
    ]
    if not rows:
        return []
    out = [
        "",
        "CPU ms per order by process (first POST → settled; services mode: `pulse serve` takes "
        "the order, `pulse relay` publishes the outbox, `pulse worker all` reserves, confirms, "
        "invoices, renders the PDF and projects analytics):",
        "",
        "| system | c | process | CPU ms/order |",
        "| --- | ---: | --- | ---: |",
    ]
    out += [f"| {t} | {c} | {p} | {fmt(v, 2)} |" for t, c, p, v in rows]
    return out
