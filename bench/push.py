"""`python -m bench.push`: order → live push at a steady arrival rate (open loop), embedded.

Goal (issue 11): order → live push p99 < 250 ms at a steady 100 orders/s arrival rate.

The product runs as `pulse up` wires it (bench/harness/servers.py `embedded`) in a fresh data
directory, with 20 customers and 20 products made through the API. Dashboards listen on
`/query/live` from a process of their own (bench/analytics.py `_listeners_main`: the
sender's load does not delay or misdate what they receive). Orders are then sent on a fixed
schedule, `--rate` a second for `--duration` seconds, each in its own request whatever the
earlier ones answered (`OpenLoop` of bench/harness/open_loop.py: many in flight when the
server is slow).
A warm-up of `--warmup` seconds at the same rate comes first and is not counted.

For each order: push delay = from sending its POST to the first pushed batch that counts
it as a sale (confirmed or later), at the first dashboard and at every dashboard; and the
POST's answer time. Also the achieved arrival rate, the client's lag behind its schedule,
the push delay by 10-second window of the run (a server that cannot keep up shows a
growing delay), server CPU and peak RSS.
Results: bench/results/<date>-push.json and, for a full run, the `push` section of
docs/PERFORMANCE.md. `--quick`: 20 s at the same rate, no docs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.analytics import _listeners_main
from bench.harness import cli, docs, load, scenario, servers
from bench.harness.cli import log
from bench.harness.docs import fmt
from bench.harness.open_loop import OpenLoop
from bench.harness.stats import summary_ms

NAME = "push"
QUICK = "20 s instead of 60 (a smoke run)"
RECORDED = {
    "rate": "rate",
    "duration_s": "duration",
    "warmup_s": "warmup",
    "flow_process": "flow_process",
}
GOAL_P99_MS = 250.0
WINDOW_S = 10.0


def flags(parser: argparse.ArgumentParser) -> dict[str, tuple[object, object]]:
    parser.add_argument("--rate", type=float, default=100.0, help="orders sent a second (100)")
    parser.add_argument("--duration", type=float, help="seconds measured (60)")
    parser.add_argument("--warmup", type=float, help="seconds at the same rate first (5)")
    parser.add_argument("--listeners", type=int, default=10, help="dashboards listening (10)")
    parser.add_argument("--push-timeout", type=float, default=120.0, help="longest wait (120)")
    cli.add_flow_process_flag(parser)
    return {"duration": (60.0, 20.0), "warmup": (5.0, 2.0)}


def by_window(sent: dict[str, float], first: dict[str, float]) -> list[dict[str, Any]]:
    """Push delay at the first dashboard by WINDOW_S-second window of the send time."""
    if not sent:
        return []
    t0 = min(sent.values())
    windows: dict[int, list[float]] = {}
    for order_id, at in sent.items():
        if order_id in first:
            windows.setdefault(int((at - t0) // WINDOW_S), []).append(first[order_id] - at)
    out = []
    for index in sorted(windows):
        s = summary_ms(windows[index])
        out.append(
            {"from_s": index * WINDOW_S, "count": s["count"], "p50": s["p50"], "p99": s["p99"]}
        )
    return out


async def measure(args: argparse.Namespace, workdir: Path, state: dict) -> None:
    secret = secrets.token_urlsafe(32)
    deployment = await asyncio.to_thread(
        servers.embedded, workdir / "embedded", secret, flow_process=args.flow_process
    )
    state["wiring"] = deployment.wiring
    ctx = multiprocessing.get_context("spawn")
    dashboards = None
    try:
        token = await servers.launch(deployment, timeout=120)
        fixtures = await load.seeded(deployment.base_url, token, products=20)
        ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
        seen_count = ctx.Value("i", 0)
        dashboards = ctx.Process(
            target=_listeners_main,
            args=(deployment.base_url, token, args.listeners, ready, stop, seen_count, out),
            daemon=True,
        )
        dashboards.start()
        if not await asyncio.to_thread(ready.wait, 60):
            raise RuntimeError("the dashboards did not connect")
        log(f"{args.listeners} dashboards connected; warm-up {args.warmup:.0f} s")
        warm = await OpenLoop(
            deployment.base_url, token, fixtures.payloads, args.rate, args.warmup
        ).run()
        waited = None
        with contextlib.suppress(TimeoutError, aiohttp.ClientError):  # a swamped server
            async with load.session_for(deployment.base_url, token, 2) as session:
                _, waited = await load.wait_drained(session, args.push_timeout)
        state["warmup"] = {
            "ok": warm.ok,
            "errors": warm.errors,
            "drained_after_s": None if waited is None else round(waited, 2),
        }
        log(f"measuring: {args.rate:g} orders/s for {args.duration:.0f} s")
        cpu0, t0 = deployment.tree_cpu(), time.perf_counter()
        loop = await OpenLoop(
            deployment.base_url, token, fixtures.payloads, args.rate, args.duration
        ).run()
        load_wall = time.perf_counter() - t0
        state["server_cpu_pct_during_load"] = round(
            100 * (deployment.tree_cpu() - cpu0) / load_wall, 1
        )
        expected = warm.ok + loop.ok
        deadline = time.monotonic() + args.push_timeout
        while time.monotonic() < deadline and seen_count.value < expected:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        state["pushes_waited_s"] = round(time.perf_counter() - t0 - load_wall, 2)
        await asyncio.sleep(0.5)  # the other dashboards' last messages
        stop.set()
        seen: list[dict[str, float]] = await asyncio.to_thread(out.get, True, 60)
        await asyncio.to_thread(dashboards.join, 30)
        state["memory"] = deployment.memory()
    finally:
        if dashboards is not None and dashboards.is_alive():
            dashboards.terminate()
        state["exit_codes"] = deployment.stop()
    sent = loop.sent
    first = {o: min(s[o] for s in seen if o in s) for o in sent if any(o in s for s in seen)}
    every = [s[o] - sent[o] for s in seen for o in sent if o in s]
    state["load"] = loop.summary()
    state["push"] = {
        "listeners": args.listeners,
        "orders": len(sent),
        "pushed": len(first),
        "missing": len(sent) - len(first),
        "first_listener_ms": summary_ms(first[o] - sent[o] for o in first),
        "every_listener_ms": summary_ms(every),
        "by_window": by_window(sent, first),
    }


def summarise(state: dict) -> dict:
    push = state.get("push", {})
    p99 = push.get("first_listener_ms", {}).get("p99")
    lp = state.get("load", {})
    return {
        "push_p99_ms": p99,
        "goal_met": p99 is not None and p99 < GOAL_P99_MS and push.get("missing") == 0,
        "achieved_send_rate": lp.get("achieved_send_rate"),
        "post_p99_ms": lp.get("post_ms", {}).get("p99"),
        "errors": lp.get("errors"),
        "missing_pushes": push.get("missing"),
    }


def console(state: dict) -> str:
    lines = [
        f"== push ({state.get('status')}): {state['rate']:g} orders/s, {state['duration_s']} s"
    ]
    if state.get("error"):
        lines.append("error: " + state["error"].splitlines()[0])
    lp, push = state.get("load", {}), state.get("push", {})
    if lp:
        post = lp["post_ms"]
        lag = lp["schedule_lag_ms"]
        lines.append(
            f"  sent {lp['sent']} of {lp['planned']} at {lp['achieved_send_rate']}/s (lag p99 "
            f"{lag['p99']} ms), 201 {lp['ok']}, errors {lp['errors']}, answered "
            f"{lp['answered_201_per_s']}/s, in flight max {lp['max_in_flight']}"
        )
        lines.append(
            f"  POST answer p50 {post['p50']} p95 {post['p95']} p99 {post['p99']} max "
            f"{post['max']} ms"
        )
    if push:
        for key in ("first_listener_ms", "every_listener_ms"):
            s = push[key]
            lines.append(
                f"  push ({key[:-3].replace('_', ' ')}) p50 {s['p50']} p95 {s['p95']} p99 "
                f"{s['p99']} max {s['max']} ms"
            )
        lines.append(f"  pushed {push['pushed']} of {push['orders']}, missing {push['missing']}")
        lines.append(
            "  by 10 s window (p50/p99 ms): "
            + ", ".join(f"{w['from_s']:.0f}s {w['p50']}/{w['p99']}" for w in push["by_window"])
        )
    lines.append(
        f"  server CPU {state.get('server_cpu_pct_during_load')} %, peak RSS "
        f"{state.get('memory', {}).get('peak_rss_mib_sum')} MiB"
    )
    return "\n".join(lines)


def markdown(state: dict) -> str:
    s, lp, push = state["summary"], state["load"], state["push"]
    out = [
        "## Order → live push at a steady arrival rate (open loop)",
        "",
        docs.provenance(state),
        "",
        f"Embedded mode, one process. {push['listeners']} dashboards listen on `/query/live` "
        f"from a process of their own; orders are sent on a fixed schedule of "
        f"{state['rate']:g} a second for {state['duration_s']:.0f} s (after "
        f"{state['warmup_s']:.0f} s of unrecorded warm-up), each whatever the earlier ones "
        "answered. Push delay = from sending the POST to the first pushed batch that counts "
        "the order as a sale.",
        "",
        "| goal | result | |",
        "| --- | --- | --- |",
        f"| order → live push p99 < {GOAL_P99_MS:g} ms at {state['rate']:g} orders/s | "
        f"p99 {fmt(s['push_p99_ms'])} ms, {push['missing']} of {push['orders']} never pushed | "
        f"{'met' if s['goal_met'] else '**not met**'} |",
        "",
        "| measured | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    rows = (
        ("push, first dashboard", push["first_listener_ms"]),
        ("push, every dashboard", push["every_listener_ms"]),
        ("POST /orders answer", lp["post_ms"]),
        ("client behind its schedule", lp["schedule_lag_ms"]),
    )
    for label, r in rows:
        out.append(
            f"| {label} | {fmt(r['p50'])} | {fmt(r['p95'])} | {fmt(r['p99'])} | {fmt(r['max'])} |"
        )
    out += [
        "",
        f"Sent {fmt(lp['sent'])} orders at {fmt(lp['achieved_send_rate'])}/s (asked "
        f"{state['rate']:g}/s); {fmt(lp['ok'])} answered 201 ({fmt(lp['answered_201_per_s'])}/s), "
        f"{lp['errors']} errors, at most {fmt(lp['max_in_flight'])} in flight. Server CPU "
        f"{fmt(state.get('server_cpu_pct_during_load'))} % of a core; peak RSS "
        f"{fmt(state.get('memory', {}).get('peak_rss_mib_sum'))} MiB.",
        "",
        "Push delay at the first dashboard by 10-second window of the run (p50 / p99 ms): "
        + ", ".join(
            f"{w['from_s']:.0f} s: {fmt(w['p50'])} / {fmt(w['p99'])}" for w in push["by_window"]
        )
        + ".",
    ]
    return "\n".join(out)


SCENARIO = scenario.Scenario(
    NAME, __doc__, flags, QUICK, RECORDED, measure, summarise, console, markdown
)
main = SCENARIO.main

if __name__ == "__main__":
    sys.exit(main())
