"""`python -m bench.soak`: memory of the embedded process over a long steady load.

Goal (issue 11): peak RSS of the embedded process < 300 MB, and flat: a 30-minute soak at a
steady rate shows no growth once warm.

The product runs as `pulse up` wires it (bench/harness/servers.py `embedded`: one
`pulse serve --consumers all --relay` process, SQLite, in-process bus) in a fresh data
directory, with 20 customers and 20 products made through the API. Orders are sent on a
fixed schedule, `--rate` a second for `--minutes` (`OpenLoop` of bench/harness/open_loop.py,
an open loop),
and every `--sample-every` seconds psutil reads the resident set of the server process and
of each of its child processes (a render pool, say), separately; with the server's
file-backed part (the kernel's RssFile: code mapped from Python's and the libraries' files)
and what the analytics store's DuckDB holds (`/stats`). After the load the benchmark waits
for the flow to settle and takes a last sample.

Reported: a table by minute (largest sample of the minute: server, its file-backed part,
DuckDB, children, together, and the orders answered so far), the peaks (samples and the
kernel's VmHWM of the server), and the growth once warm: the least-squares slope of the
RSS from minute 5 (or half the run, if shorter) to the end, in MiB per 10 minutes. Flat
here means under FLAT_MIB_PER_10_MIN. Results: bench/results/<date>-soak.json and, for a
full run, the `soak` section of docs/PERFORMANCE.md. `--quick`: 2 minutes, no docs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import time
from pathlib import Path

import aiohttp
import orjson
import psutil

from bench import report
from bench.harness import cli, docs, load, scenario, servers
from bench.harness.cli import log
from bench.harness.docs import fmt
from bench.harness.open_loop import OpenLoop
from bench.side_by_side_targets import lags

NAME = "soak"
# "300 MB", read as MiB like the order-flow tables' embedded-memory goal.
GOAL_PEAK_MIB = report.GOAL_EMBEDDED_RSS_MIB
FLAT_MIB_PER_10_MIN = 5.0
WARM_AFTER_S = 300.0
MIB = 2**20


def flags(parser: argparse.ArgumentParser) -> dict[str, tuple[object, object]]:
    parser.add_argument("--rate", type=float, default=50.0, help="orders sent a second (50)")
    parser.add_argument("--minutes", type=float, help="minutes of load (30)")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds (10)")
    parser.add_argument("--settle-timeout", type=float, help="longest wait (600; quick 120)")
    cli.add_flow_process_flag(parser)
    return {"minutes": (30.0, 2.0), "settle_timeout": (600.0, 120.0)}


def _status_mib(pid: int) -> dict[str, float]:
    """The kernel's split of a resident set (RssAnon, RssFile, RssShmem), in MiB."""
    out: dict[str, float] = {}
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Rss"):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) / 1024
    return out


def rss_sample(pid: int) -> dict:
    """RSS in MiB of the process and of each live descendant (by "name pid"), and the
    server's file-backed part (the code of Python and its libraries, mapped read-only)."""
    root = psutil.Process(pid)
    main = root.memory_info().rss / MIB
    children: dict[str, float] = {}
    with contextlib.suppress(psutil.Error):
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                children[f"{child.name()} {child.pid}"] = round(child.memory_info().rss / MIB, 1)
    kids = sum(children.values())
    return {
        "server_mib": round(main, 1),
        "server_file_mib": round(_status_mib(pid).get("RssFile", 0.0), 1),
        # The embedded server's second process (the order flow and the analytics store).
        "flow_mib": round(sum(v for k, v in children.items() if k.startswith("pulse-flow ")), 1),
        "children_mib": round(kids, 1),
        "total_mib": round(main + kids, 1),
        "children": children,
    }


def slope_per_10_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MiB) points, in MiB per 10 minutes."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return None
    cov = sum((t - mx) * (v - my) for t, v in points)
    return round(cov / var * 600, 2)


async def sampler(
    pid: int,
    every: float,
    t0: float,
    load_s: float,
    loop: OpenLoop,
    samples: list[dict],
    stop: asyncio.Event,
    stats: aiohttp.ClientSession,
) -> None:
    """A sample every `every` s until `stop`: "load" while orders are being sent, then
    "after" (the answers still in flight, then the flow settling). Each also asks /stats
    what the analytics store's DuckDB holds."""
    while not stop.is_set():
        duckdb_mib = None
        with contextlib.suppress(TimeoutError, aiohttp.ClientError, KeyError, ValueError):
            async with stats.get("/stats", timeout=aiohttp.ClientTimeout(total=5)) as r:
                duckdb_mib = round((await r.json())["memory_bytes"] / MIB, 1)
        with contextlib.suppress(psutil.Error):
            sample = rss_sample(pid)
            sample["duckdb_mib"] = duckdb_mib
            t_s = round(time.perf_counter() - t0, 1)
            sample.update(
                t_s=t_s,
                phase="load" if t_s < load_s else "after",
                orders_ok=loop.ok,
                errors=loop.errors,
                in_flight=loop.in_flight,
            )
            samples.append(sample)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def measure(args: argparse.Namespace, workdir: Path, state: dict) -> None:
    secret = secrets.token_urlsafe(32)
    deployment = await asyncio.to_thread(
        servers.embedded, workdir / "embedded", secret, flow_process=args.flow_process
    )
    state["wiring"] = deployment.wiring
    samples: list[dict] = state.setdefault("samples", [])
    try:
        token = await servers.launch(deployment, timeout=120)
        pid = deployment.procs[0].pid
        fixtures = await load.seeded(deployment.base_url, token, products=20)
        state["idle_before_load"] = rss_sample(pid)
        log(
            f"soak: {args.rate:g} orders/s for {args.minutes:g} min, "
            f"RSS every {args.sample_every:g} s"
        )
        loop = OpenLoop(deployment.base_url, token, fixtures.payloads, args.rate, args.minutes * 60)
        stop = asyncio.Event()
        t0 = time.perf_counter()
        cpu0 = deployment.tree_cpu()
        stats = load.session_for(deployment.base_url, token, 1)
        watcher = asyncio.create_task(
            sampler(pid, args.sample_every, t0, args.minutes * 60, loop, samples, stop, stats)
        )
        try:
            await loop.run()
            load_wall = time.perf_counter() - t0
            state["server_cpu_pct_during_load"] = round(
                100 * (deployment.tree_cpu() - cpu0) / load_wall, 1
            )
            state["load"] = loop.summary()
            log("waiting for the flow to settle")
            async with load.session_for(deployment.base_url, token, 2) as session:
                settled, waited = await settle(session, args.settle_timeout)
                state["settled"], state["settle_wait_s"] = settled, waited
                # Unsettled, the server may still be too busy to count: then the counts stay
                # unknown and the memory figures still stand.
                with contextlib.suppress(TimeoutError, aiohttp.ClientError):
                    state["orders_invoiced_or_later"] = sum(
                        [
                            await status_count(session, status)
                            for status in ("invoiced", "paid", "shipped", "completed")
                        ]
                    )
                    state["orders_in_db"] = await status_count(session, None)
        finally:
            stop.set()
            await watcher
            await stats.close()
        after = rss_sample(pid)
        after["t_s"] = round(time.perf_counter() - t0, 1)
        state["after_settled"] = after
    finally:
        with contextlib.suppress(Exception):
            state["memory"] = deployment.memory()
        state["exit_codes"] = deployment.stop()


async def status_count(session, status: str | None) -> int:  # noqa: ANN001
    params = {"limit": "1"} | ({"status": status} if status else {})
    async with session.get("/orders", params=params) as resp:
        resp.raise_for_status()
        return int(orjson.loads(await resp.read())["total"])


async def settle(session, timeout: float) -> tuple[bool, float]:  # noqa: ANN001
    """Until no order is `placed` or `confirmed` and nothing is left in the flow (twice).

    A server still working through abandoned requests may answer slowly: a timed-out
    check counts as busy."""
    start = time.perf_counter()
    quiet = 0
    while time.perf_counter() - start < timeout:
        try:
            busy = await status_count(session, "placed")
            busy += await status_count(session, "confirmed")
            idle = busy == 0 and await lags(session) == 0
        except (TimeoutError, aiohttp.ClientError):
            idle = False
        quiet = quiet + 1 if idle else 0
        if quiet >= 2:
            return True, round(time.perf_counter() - start, 2)
        await asyncio.sleep(0.5)
    return False, round(time.perf_counter() - start, 2)


def summarise(state: dict, minutes: float) -> dict:
    samples = state.get("samples", [])
    by_minute = []
    last_minute = int(max((s["t_s"] for s in samples), default=0) // 60)
    for minute in range(last_minute + 1):
        mine = [s for s in samples if minute * 60 <= s["t_s"] < (minute + 1) * 60]
        if not mine:
            continue
        by_minute.append(
            {
                "minute": minute + 1,
                "server_mib": max(s["server_mib"] for s in mine),
                "server_file_mib": max(s.get("server_file_mib") or 0.0 for s in mine),
                "duckdb_mib": max((s.get("duckdb_mib") or 0.0 for s in mine), default=0.0),
                "flow_mib": max(s.get("flow_mib", 0.0) for s in mine),
                "children_mib": max(s["children_mib"] for s in mine),
                "total_mib": max(s["total_mib"] for s in mine),
                "orders_ok": mine[-1]["orders_ok"],
                "in_flight": mine[-1]["in_flight"],
                "phase": mine[-1].get("phase", "load"),
            }
        )
    warm_from = min(WARM_AFTER_S, minutes * 60 / 2)
    warm = [s for s in samples if warm_from <= s["t_s"] < minutes * 60]
    hwm = state.get("memory", {}).get("processes", {})
    server_hwm = next(iter(hwm.values()), {}).get("peak_rss_mib") if hwm else None
    peak_total = max((s["total_mib"] for s in samples), default=None)
    slope_server = slope_per_10_min([(s["t_s"], s["server_mib"]) for s in warm])
    slope_flow = slope_per_10_min([(s["t_s"], s.get("flow_mib", 0.0)) for s in warm])
    slope_total = slope_per_10_min([(s["t_s"], s["total_mib"]) for s in warm])
    peak_for_goal = max(v for v in (server_hwm, peak_total) if v is not None) if samples else None
    return {
        "by_minute": by_minute,
        "warm_from_s": warm_from,
        "peak_server_sample_mib": max((s["server_mib"] for s in samples), default=None),
        "peak_server_vmhwm_mib": server_hwm,
        "peak_children_mib": max((s["children_mib"] for s in samples), default=None),
        "peak_flow_mib": max((s.get("flow_mib", 0.0) for s in samples), default=None),
        "growth_flow_mib_per_10_min": slope_flow,
        "peak_total_mib": peak_total,
        "growth_server_mib_per_10_min": slope_server,
        "growth_total_mib_per_10_min": slope_total,
        "growth_total_first_to_last_warm_mib": round(
            warm[-1]["total_mib"] - warm[0]["total_mib"], 1
        )
        if len(warm) >= 2
        else None,
        "peak_goal_met": peak_for_goal is not None and peak_for_goal < GOAL_PEAK_MIB,
        "flat": slope_total is not None and slope_total < FLAT_MIB_PER_10_MIN,
    }


def console(state: dict) -> str:
    s = state.get("summary", {})
    lines = [
        f"== soak ({state.get('status')}): {state['rate']:g} orders/s, {state['minutes']:g} min"
    ]
    if state.get("error"):
        lines.append("error: " + state["error"].splitlines()[0])
    lp = state.get("load")
    if lp:
        lines.append(
            f"  sent {lp['sent']} at {lp['achieved_send_rate']}/s, 201 {lp['ok']}, errors "
            f"{lp['errors']}, POST p50 {lp['post_ms']['p50']} p99 {lp['post_ms']['p99']} ms, "
            f"in flight max {lp['max_in_flight']}"
        )
    for row in s.get("by_minute", []):
        lines.append(
            f"  min {row['minute']:>3}: server {row['server_mib']:>7.1f} (code "
            f"{row.get('server_file_mib', 0.0):>5.1f}, DuckDB {row.get('duckdb_mib', 0.0):>5.1f})"
            "  children "
            f"{row['children_mib']:>7.1f} (flow {row.get('flow_mib', 0.0):>7.1f})  total "
            f"{row['total_mib']:>7.1f} MiB  orders "
            f"{row['orders_ok']}  in flight {row['in_flight']}  ({row['phase']})"
        )
    lines.append(
        f"  peak: server {s.get('peak_server_sample_mib')} (VmHWM {s.get('peak_server_vmhwm_mib')})"
        f", children {s.get('peak_children_mib')} (flow {s.get('peak_flow_mib')}), total "
        f"{s.get('peak_total_mib')} MiB; growth from {s.get('warm_from_s')} s: server "
        f"{s.get('growth_server_mib_per_10_min')}, flow {s.get('growth_flow_mib_per_10_min')}, "
        f"total "
        f"{s.get('growth_total_mib_per_10_min')} MiB/10 min"
    )
    lines.append(
        f"  settled {state.get('settled')} after {state.get('settle_wait_s')} s; invoiced "
        f"{state.get('orders_invoiced_or_later')} of {state.get('orders_in_db')}; after settling "
        f"{state.get('after_settled', {}).get('total_mib')} MiB"
    )
    return "\n".join(lines)


def markdown(state: dict) -> str:
    s, lp = state["summary"], state["load"]
    peak = max(v for v in (s["peak_server_vmhwm_mib"], s["peak_total_mib"]) if v is not None)
    out = [
        "## Memory over a long steady load (soak)",
        "",
        docs.provenance(state),
        "",
        f"Embedded mode: the `pulse serve` process and its children (the order flow's process "
        f"`pulse-flow`, the PDF render process). Orders sent on a fixed "
        f"schedule of {state['rate']:g} a second for {state['minutes']:g} minutes (open loop); "
        f"psutil reads the RSS of the server and of each child every "
        f"{state['sample_every_s']:g} s, with the server's file-backed part (RssFile: the "
        f"code of Python and its libraries, mapped read-only) and what the analytics store's "
        f"DuckDB holds (`/stats` `memory_bytes`). Growth = least-squares slope from "
        f"{s['warm_from_s'] / 60:g} min to the end.",
        "",
        "| goal | result | |",
        "| --- | --- | --- |",
        f"| peak RSS < {GOAL_PEAK_MIB:.0f} MiB, server and children together | {fmt(peak)} MiB "
        f"(server VmHWM "
        f"{fmt(s['peak_server_vmhwm_mib'])}, children at most {fmt(s['peak_children_mib'])}, "
        f"of which pulse-flow {fmt(s.get('peak_flow_mib'))}) | "
        f"{'met' if s['peak_goal_met'] else '**not met**'} |",
        f"| flat once warm (< {FLAT_MIB_PER_10_MIN:g} MiB per 10 min) | "
        f"{fmt(s['growth_total_mib_per_10_min'])} MiB per 10 min (server alone "
        f"{fmt(s['growth_server_mib_per_10_min'])}, pulse-flow "
        f"{fmt(s.get('growth_flow_mib_per_10_min'))}) | "
        f"{'met' if s['flat'] else '**not met**'} |",
        "",
        "| minute | server MiB | of which file-backed (code) | DuckDB holds | children MiB | "
        "of which pulse-flow | together MiB | orders answered 201 so far | in flight | |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in s["by_minute"]:
        out.append(
            f"| {row['minute']} | {fmt(row['server_mib'])} | {fmt(row.get('server_file_mib'))} | "
            f"{fmt(row.get('duckdb_mib'))} | {fmt(row['children_mib'])} | "
            f"{fmt(row.get('flow_mib'))} | {fmt(row['total_mib'])} | {fmt(row['orders_ok'])} | "
            f"{fmt(row['in_flight'])} | "
            f"{'' if row['phase'] == 'load' else 'after the load'} |"
        )
    out += [
        "",
        f"Sent {fmt(lp['sent'])} orders at {fmt(lp['achieved_send_rate'])}/s; "
        f"{fmt(lp['ok'])} answered 201, {lp['errors']} errors; POST p50 "
        f"{fmt(lp['post_ms']['p50'])} ms, p99 {fmt(lp['post_ms']['p99'])} ms. Server CPU "
        f"{fmt(state.get('server_cpu_pct_during_load'))} % of a core. After the load the flow "
        f"settled in {fmt(state.get('settle_wait_s'))} s with "
        f"{fmt(state.get('orders_invoiced_or_later'))} of {fmt(state.get('orders_in_db'))} "
        f"orders invoiced; RSS then {fmt(state.get('after_settled', {}).get('total_mib'))} MiB.",
    ]
    return "\n".join(out)


SCENARIO = scenario.Scenario(
    NAME,
    __doc__,
    flags,
    "2 minutes (a smoke run)",
    {
        "rate": "rate",
        "minutes": "minutes",
        "sample_every_s": "sample_every",
        "flow_process": "flow_process",
    },
    measure,
    lambda state: summarise(state, state["minutes"]),
    console,
    markdown,
    documented=lambda state: bool(state.get("load")),
)
main = SCENARIO.main

if __name__ == "__main__":
    sys.exit(SCENARIO.main())
