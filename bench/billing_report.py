"""The billing benchmark's summary of its rounds, its console lines and its section of
docs/PERFORMANCE.md."""

from __future__ import annotations

import re
from collections.abc import Callable

from bench.harness.docs import fmt
from bench.harness.stats import median_of, summary_ms


def _median_per_process(points: list[dict]) -> dict[str, float | None]:
    names = {n for p in points for n in p["server_cpu_pct_per_process"]}
    return {
        n: median_of(p["server_cpu_pct_per_process"].get(n) for p in points) for n in sorted(names)
    }


def _stage_medians(latencies: list[dict]) -> dict[str, float | None]:
    """Medians of the p50s of the order's two stages (`invoice_latency`'s) over the rounds."""
    return {
        "to_confirmed_p50": median_of(x["created_to_confirmed_ms"]["p50"] for x in latencies),
        "confirmed_to_invoice_p50": median_of(
            x["confirmed_to_invoice_issued_ms"]["p50"] for x in latencies
        ),
    }


def summarise(points: list[dict], orders: list[dict], probes: list[dict]) -> dict:
    payments: dict[str, dict] = {}
    for conc in sorted({p["concurrency"] for p in points}):
        mine = [p for p in points if p["concurrency"] == conc]
        payments[str(conc)] = {
            "payments_per_s": median_of(p["throughput_rps"] for p in mine),
            "p50": median_of(p["latency_ms"]["p50"] for p in mine),
            "p95": median_of(p["latency_ms"]["p95"] for p in mine),
            "p99": median_of(p["latency_ms"]["p99"] for p in mine),
            "errors_total": sum(p["errors"] for p in mine),
            "payments_total": sum(p["ok"] for p in mine),
            "server_cpu_pct": median_of(p["server_cpu_pct"] for p in mine),
            "server_cpu_pct_per_process": _median_per_process(mine),
            "waiting_for_cpu_pct": median_of(p["waiting_for_cpu_pct"] for p in mine),
            "machine_cpu_busy_pct": median_of(p["machine_cpu_busy_pct"] for p in mine),
            "server_cpu_ms_per_payment": median_of(p["server_cpu_ms_per_payment"] for p in mine),
            "pdf_drain_s": median_of(p["pdf_drain_s"] for p in mine),
            "sharing_an_invoice": sum(p["payments_sharing_an_invoice_in_flight"] for p in mine),
            "pg_idle_in_transaction": median_of(
                p.get("pg_sessions", {}).get("mean_idle_in_transaction") for p in mine
            ),
            "pg_lock_wait": median_of(p.get("pg_sessions", {}).get("mean_lock_wait") for p in mine),
            "pg_active": median_of(p.get("pg_sessions", {}).get("mean_active") for p in mine),
            "round_values": [p["throughput_rps"] for p in mine],
            "rounds": len(mine),
        }
    under_load = None
    if orders:
        under_load = {
            "concurrency": orders[0]["concurrency"],
            "orders_per_s": median_of(p["throughput_rps"] for p in orders),
            "post_p50": median_of(p["latency_ms"]["p50"] for p in orders),
            "post_p95": median_of(p["latency_ms"]["p95"] for p in orders),
            "errors_total": sum(p["errors"] for p in orders),
            "p50": median_of(p["invoice"]["created_to_invoice_issued_ms"]["p50"] for p in orders),
            "p95": median_of(p["invoice"]["created_to_invoice_issued_ms"]["p95"] for p in orders),
            "p99": median_of(p["invoice"]["created_to_invoice_issued_ms"]["p99"] for p in orders),
            "invoices_per_s": median_of(p["invoice"]["invoices_per_s"] for p in orders),
            **_stage_medians([p["invoice"] for p in orders]),
            "invoiced": sum(p["invoice"]["invoiced"] for p in orders),
            "orders": sum(p["invoice"]["orders"] for p in orders),
            "drain_s": median_of(p["invoice_backlog_drain_s"] for p in orders),
            "pdf_drain_s": median_of(p["pdf_drain_s"] for p in orders),
            "server_cpu_pct_per_process": _median_per_process(orders),
            "machine_cpu_busy_pct": median_of(p["machine_cpu_busy_pct"] for p in orders),
            "rounds": len(orders),
        }
    one_at_a_time = None
    if probes:
        server = summary_ms(v for p in probes for v in p["server_side_s"])
        client = summary_ms(v for p in probes for v in p["client_seen_s"])
        one_at_a_time = {
            "samples": server["count"],
            "p50": server["p50"],
            "p95": server["p95"],
            "p99": server["p99"],
            "client_p50": client["p50"],
            "client_p95": client["p95"],
            "post_p50": median_of(p["post_ms"]["p50"] for p in probes),
            **_stage_medians([p["server_side"] for p in probes]),
            "placed": sum(p["post_ms"]["count"] for p in probes),
            "failures": sum(sum(p["failures"].values()) for p in probes),
        }
    return {"payments": payments, "order_to_invoice": under_load, "one_at_a_time": one_at_a_time}


TITLES = {
    "embedded": "embedded (SQLite + in-process bus, one `pulse serve` process)",
    "services": "services (PostgreSQL + NATS; `pulse serve`, `pulse relay`, `pulse worker all`)",
}


def console_summary(result: dict) -> str:
    pdf = result.get("pdf_in_process") or {}
    lines = [
        f"== billing, load avg at start {result.get('loadavg_start')}",
        f"  render_pdf (3 lines, in-process): median {fmt(pdf.get('wall_ms', {}).get('p50'), 2)}"
        f" ms, p95 {fmt(pdf.get('wall_ms', {}).get('p95'), 2)} ms",
    ]
    for mode, res in result.get("modes", {}).items():
        lines.append(f"  -- {mode} ({res.get('status')})")
        if res.get("error"):
            lines.append("     error: " + res["error"].splitlines()[0])
            continue
        s = res["summary"]
        for conc, row in s["payments"].items():
            lines.append(
                f"     pay c={conc:>3}: {fmt(row['payments_per_s'])} payments/s, p50 "
                f"{fmt(row['p50'], 2)} p95 {fmt(row['p95'], 2)} ms, errors {row['errors_total']}"
            )
        served = res["pdf_served"]
        lines.append(
            f"     GET pdf: not rendered yet p50 {fmt(served['cold_ms']['p50'], 2)} ms, stored "
            f"p50 {fmt(served['cached_ms']['p50'], 2)} ms"
        )
        one = s["one_at_a_time"]
        lines.append(
            f"     order → invoice.issued one at a time: p50 {fmt(one['p50'])} p95 "
            f"{fmt(one['p95'])} ms"
        )
        ul = s["order_to_invoice"]
        lines.append(
            f"     order → invoice.issued at c={ul['concurrency']}: p50 {fmt(ul['p50'])} p95 "
            f"{fmt(ul['p95'])} ms ({fmt(ul['orders_per_s'])} orders/s)"
        )
    return "\n".join(lines)


def per_process(row: dict) -> str:
    per = row.get("server_cpu_pct_per_process") or {}
    if len(per) <= 1:
        return fmt(next(iter(per.values()), None), 0)
    short = {name: name.split()[1] for name in per}
    total = sum(v for v in per.values() if v is not None)
    return f"{fmt(total, 0)} (" + ", ".join(f"{short[n]} {fmt(v, 0)}" for n, v in per.items()) + ")"


def _mode_block(mode: str, res: dict, result: dict) -> list[str]:
    out = [f"### {TITLES[mode]}", ""]
    wiring = res.get("wiring") or {}
    if wiring:
        out.append(
            f"Wiring: {wiring.get('database')}; bus: {wiring.get('bus')}. Load average at the "
            f"start of the mode {res.get('loadavg_start')}, at its end {res.get('loadavg_after')}."
        )
        out.append("")
    if res.get("status") != "ok":
        return [*out, "**The run failed:**", "", "```", res.get("error", "")[:1500], "```", ""]
    s = res["summary"]
    setup = res["setup"]
    settings = result["settings"]
    out += [
        "**Payments** — POST /billing/invoices/{id}/pay, closed loop, 1.00 by card per payment. "
        f"{setup['invoices']} open invoices of {setup['invoice_total']} (3 lines) taken "
        "round-robin: small amounts spread over many invoices, so the payments in flight at "
        "any moment are on different invoices and no payment waits for another's row lock "
        f"(checked: {sum(r['sharing_an_invoice'] for r in s['payments'].values())} payments "
        "started while another on the same invoice was in flight). "
        "A payment bumps the invoice's revision; the new PDF version is rendered when "
        "someone asks for it, not by the payment. “Server CPU ms/payment” counts from the "
        "start of the point until the consumers caught up; “PDFs caught up after” is how "
        "long after the load stopped the `documents` consumer had nothing left.",
        "",
        "| concurrency | payments/s | p50 ms | p95 ms | p99 ms | errors | payments (all "
        "rounds) | server CPU % (per process) | machine CPU busy % | server CPU ms/payment | "
        "PDFs caught up after (s) | payments/s per round |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for conc, row in s["payments"].items():
        out.append(
            f"| {conc} | {fmt(row['payments_per_s'])} | {fmt(row['p50'], 2)} | "
            f"{fmt(row['p95'], 2)} | {fmt(row['p99'], 2)} | {row['errors_total']} | "
            f"{fmt(row['payments_total'])} | {per_process(row)} | "
            f"{fmt(row['machine_cpu_busy_pct'], 0)} | "
            f"{fmt(row['server_cpu_ms_per_payment'], 2)} | {fmt(row['pdf_drain_s'], 2)} | "
            + ", ".join(fmt(v) for v in row["round_values"])
            + " |"
        )
    served = res["pdf_served"]
    out += [
        "",
        "**Invoice PDF, served** — GET /billing/invoices/{id}/pdf of the 3-line invoices above. "
        "“Not rendered yet”: the stored PDF of the invoice's current version is deleted from "
        "the object store (local folder) first, so the request renders it on the spot and "
        f"stores it; “stored”: {served['cached_reads_per_invoice']} more GETs of the same "
        "version, read from the store.",
        "",
        "| invoices | not rendered yet p50 ms | p95 ms | stored p50 ms | p95 ms | PDF bytes | "
        "failures |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {served['cold_ms']['count']} | {fmt(served['cold_ms']['p50'], 2)} | "
        f"{fmt(served['cold_ms']['p95'], 2)} | {fmt(served['cached_ms']['p50'], 2)} | "
        f"{fmt(served['cached_ms']['p95'], 2)} | {fmt(served['bytes_median'])} | "
        f"{len(served['failures'])} |",
    ]
    one = s["one_at_a_time"]
    ul = s["order_to_invoice"]
    out += [
        "",
        "**Order → invoice issued** — from `order.created` to `invoice.issued` in the outbox "
        "(`occurred_at` of both; `invoice.issued`'s payload names the order). The order is "
        "placed, reserved, confirmed and then invoiced by the `billing` consumer.",
        "",
        "| load | orders | p50 ms | p95 ms | p99 ms | created → confirmed p50 | confirmed → "
        "invoice issued p50 | seen by the client p50 ms | POST /orders p50 ms | orders/s | "
        "invoiced / placed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| one order at a time | {one['samples']} | {fmt(one['p50'])} | {fmt(one['p95'])} | "
        f"{fmt(one['p99'])} | {fmt(one['to_confirmed_p50'])} | "
        f"{fmt(one['confirmed_to_invoice_p50'])} | {fmt(one['client_p50'])} | "
        f"{fmt(one['post_p50'], 2)} | — | {one['samples']} / {one['placed']} |",
        f"| POST /orders closed loop, concurrency {ul['concurrency']} | {fmt(ul['orders'])} | "
        f"{fmt(ul['p50'])} | {fmt(ul['p95'])} | {fmt(ul['p99'])} | "
        f"{fmt(ul['to_confirmed_p50'])} | {fmt(ul['confirmed_to_invoice_p50'])} | — | "
        f"{fmt(ul['post_p50'], 2)} | {fmt(ul['orders_per_s'])} | "
        f"{fmt(ul['invoiced'])} / {fmt(ul['orders'])} |",
        "",
        "One at a time: the client posts an order, then reads the outbox every 2 ms until the "
        f"order's `invoice.issued` is committed (“seen by the client”); {settings['probe_samples']}"
        " orders per round, pooled. Under load the p50/p95/p99 are medians over the rounds of "
        "each round's percentiles; during the order load the server used "
        f"{per_process(ul)} % CPU, the machine was {fmt(ul['machine_cpu_busy_pct'], 0)} % "
        f"busy, and the last invoice was issued {fmt(ul['drain_s'], 2)} s after the load "
        "stopped (median).",
        "",
    ]
    mem = res.get("memory", {}).get("processes", {})
    if mem:
        out.append(
            "Peak RSS: "
            + ", ".join(f"`{k}` {fmt(v['peak_rss_mib'])} MiB" for k, v in mem.items())
            + "."
        )
        out.append("")
    return out


def markdown(result: dict) -> str:
    m = result["machine"]
    s = result["settings"]
    pdf = result["pdf_in_process"]
    wait = result.get("load_wait") or {}
    out = [
        "## Billing — payments, invoice PDFs, order → invoice",
        "",
        "Generated by `bench/billing.py`; the order benchmark's rewrite of this file keeps this "
        "section, and the billing benchmark's rewrite replaces only it.",
        "",
        f"- Date (UTC): {result['started_at']}; command: `{result['command']}`"
        + (" (**quick run**)" if result.get("quick") else ""),
        f"- Machine: {m['cpu_model']}, {m['nproc']} logical CPUs, {m['ram_gib']} GiB RAM, "
        f"{m['os']}, Python {m['python']}, commit {m.get('git_commit')} with "
        f"{m.get('git_uncommitted_files')} uncommitted tracked files. The machine is shared "
        "and noisy (other work, tests); the load generator runs on it too.",
    ]
    if wait:
        state = (
            f"below {wait['threshold']} after waiting {wait['waited_s']} s"
            if wait["dropped_below"]
            else f"**never below {wait['threshold']}** in {wait['waited_s']} s: run anyway"
        )
        out.append(
            f"- 1-minute load average before the run {wait['loadavg_before_wait'][0]}; {state}. "
            f"Load average (1, 5, 15 min) at start {result['loadavg_start']}, at the end "
            f"{result.get('loadavg_end')}."
        )
    else:
        out.append(
            f"- Load average (1, 5, 15 min) at start {result['loadavg_start']}, at the end "
            f"{result.get('loadavg_end')}."
        )
    out += [
        f"- {s['rounds']} round(s); each load point {s['warmup_s']:g} s warm-up + "
        f"{s['duration_s']:g} s measured; quoted values are medians over the rounds. Client: "
        "aiohttp, one process, closed loop (`bench/harness/load.py`); admin token minted as in "
        "`bench.run`.",
        "",
        "| | embedded | services |",
        "| --- | ---: | ---: |",
    ]
    modes = result.get("modes", {})

    def cell(mode: str, pick: Callable[[dict], object], digits: int = 1) -> str:
        res = modes.get(mode)
        if res is None:
            return "not run"
        if res.get("status") != "ok":
            return "failed"
        return fmt(pick(res["summary"]), digits)

    def row(label: str, pick: Callable[[dict], object], digits: int = 1) -> str:
        return f"| {label} | {cell('embedded', pick, digits)} | {cell('services', pick, digits)} |"

    for conc in s["concurrency"]:
        c = str(conc)
        out.append(
            row(f"payments/s at concurrency {c}", lambda x, c=c: x["payments"][c]["payments_per_s"])
        )
        out.append(
            row(
                f"payment p50 / p95 ms at concurrency {c}",
                lambda x, c=c: (
                    f"{fmt(x['payments'][c]['p50'], 1)} / {fmt(x['payments'][c]['p95'], 1)}"
                ),
            )
        )
    out.append(
        row(
            "payment errors (all rounds and concurrencies)",
            lambda x: sum(r["errors_total"] for r in x["payments"].values()),
        )
    )
    out.append(
        row(
            "order → invoice issued p50 / p95 ms, one at a time",
            lambda x: f"{fmt(x['one_at_a_time']['p50'])} / {fmt(x['one_at_a_time']['p95'])}",
        )
    )
    out.append(
        row(
            f"order → invoice issued p50 / p95 ms, order load at concurrency "
            f"{s['order_concurrency']}",
            lambda x: f"{fmt(x['order_to_invoice']['p50'])} / {fmt(x['order_to_invoice']['p95'])}",
        )
    )

    def served(mode: str, key: str) -> str:
        res = modes.get(mode)
        if res is None:
            return "not run"
        if res.get("status") != "ok":
            return "failed"
        return fmt(res["pdf_served"][key]["p50"], 1)

    out.append(
        f"| GET invoice PDF p50 ms, version not rendered yet | {served('embedded', 'cold_ms')} | "
        f"{served('services', 'cold_ms')} |"
    )
    out.append(
        f"| GET invoice PDF p50 ms, stored version | {served('embedded', 'cached_ms')} | "
        f"{served('services', 'cached_ms')} |"
    )
    out += [
        "",
        f"**`render_pdf`, in-process** ({pdf['document']}; {pdf['samples']} renders after a "
        f"warm-up, in the benchmark process before any server runs): median "
        f"{fmt(pdf['wall_ms']['p50'], 2)} ms, p95 {fmt(pdf['wall_ms']['p95'], 2)} ms, "
        f"{fmt(pdf['cpu_ms_median'], 2)} ms CPU; {fmt(pdf['bytes'])} bytes. The very first "
        f"render in a process took {fmt(pdf['first_render_ms'], 1)} ms.",
        "",
    ]
    if result.get("notes"):
        out += ["**What bounds these numbers**", ""]
        out += [f"- {n}" for n in result["notes"]]
        out.append("")
    for mode in ("embedded", "services"):
        if mode in modes:
            out += _mode_block(mode, modes[mode], result)
    if "services" not in modes:
        out += ["The services mode was not run.", ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))
