"""`python -m bench.run`: the order-flow benchmark for the embedded and the services mode.

For each mode it starts the product in fresh storage, creates customers and products with
plenty of stock through the API, and then, in rounds, runs a closed-loop POST /orders load
at each concurrency, waits until every order placed is confirmed, reads the order → confirmed
latency from the outbox, and probes the confirmation latency one order at a time. The
services mode also runs pgbench against the same PostgreSQL server. Results go to
bench/results/<date>-<mode>.json and docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from bench import pgbench, report
from bench.harness import cli, load, machine, outbox, profile, scenario, servers
from bench.harness.cli import log
from bench.harness.docs import DOCS
from bench.harness.stats import median_of, summary_ms


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = cli.parser("run", __doc__)
    cli.add_point_flags(parser)
    parser.add_argument(
        "--probe-samples", type=int, help="orders per round in the confirmation probe (15)"
    )
    parser.add_argument("--pgbench-duration", type=int, help="seconds per pgbench run (10)")
    parser.add_argument("--pgbench-rounds", type=int, help="pgbench runs per concurrency (2)")
    parser.add_argument("--no-pgbench", action="store_true", help="skip the pgbench baseline")
    cli.add_services_flags(parser, modes=True)
    parser.add_argument("--lines", type=int, default=2, help="order lines per order (2)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the server processes with py-spy during the last round's "
        "highest concurrency; prints the top frames and keeps the files "
        "in the work directory",
    )
    parser.add_argument(
        "--set",
        dest="server_env",
        action="append",
        default=[],
        metavar="PULSE_NAME=VALUE",
        help="extra setting for the server processes (repeatable), e.g. "
        "PULSE_RELAY_POLL_SECONDS=0.01; recorded in the results",
    )
    cli.add_output_flags(
        parser,
        quick="short points, one round, short pgbench: a smoke run of the harness",
        keep="keep work directories and database",
    )
    pgbench_runs = {"pgbench_duration": (10, 3), "pgbench_rounds": (2, 1)}
    args = cli.parse(parser, argv, {**cli.POINTS, "probe_samples": (15, 10), **pgbench_runs})
    overrides = {}
    for item in args.server_env:
        name, sep, value = item.partition("=")
        if not sep or not name.startswith("PULSE_"):
            parser.error(f"--set wants PULSE_NAME=VALUE, not {item!r}")
        overrides[name] = value
    args.server_env = overrides
    return args


# -- one mode ------------------------------------------------------------------------------
def _point_row(point: dict) -> dict:
    lat = point["latency_ms"]
    conf = point["confirmation"]["created_to_confirmed_ms"]
    stages = point["confirmation"]["stages_ms"]
    return {
        "throughput_rps": point["throughput_rps"],
        "p50": lat["p50"],
        "p95": lat["p95"],
        "p99": lat["p99"],
        "errors": point["errors"],
        "confirm_p50": conf["p50"],
        "confirm_p95": conf["p95"],
        "confirm_p99": conf["p99"],
        "relay_p50": stages["created_to_relayed"]["p50"],
        "reserve_p50": stages["relayed_to_reserved"]["p50"],
        "confirm_stage_p50": stages["reserved_to_confirmed"]["p50"],
        "confirmed_per_s": point["confirmation"]["confirmed_per_s"],
        "drain_s": point["drain_s"],
        "client_cpu_ms_per_request": point["client_cpu_ms_per_request"],
        "server_cpu_pct": sum(v for v in point["server_cpu_pct"].values() if v is not None),
        "server_cpu_ms_per_order": point["server_cpu_ms_per_order_total"],
        "waiting_for_cpu_pct": max(point["main_thread_waiting_for_cpu_pct"].values(), default=None),
    }


def summarise(points: list[dict], probes: list[dict]) -> dict:
    by_conc: dict[int, list[dict]] = {}
    for point in points:
        by_conc.setdefault(point["concurrency"], []).append(_point_row(point))
    table = {}
    for conc, rows in sorted(by_conc.items()):
        keys = rows[0].keys()
        table[str(conc)] = {key: median_of(r[key] for r in rows) for key in keys}
        table[str(conc)]["errors_total"] = sum(r["errors"] or 0 for r in rows)
        mine = [p for p in points if p["concurrency"] == conc]
        table[str(conc)]["orders_placed"] = sum(p["confirmation"]["orders"] for p in mine)
        table[str(conc)]["orders_confirmed"] = sum(p["confirmation"]["confirmed"] for p in mine)
        table[str(conc)]["rounds"] = len(rows)
    # Each round's probe is small, so its samples are pooled for the percentiles.
    pooled = summary_ms(v for p in probes for v in p["confirmed_s"])
    probe = {key: pooled[key] for key in ("p50", "p95", "p99", "max")}
    probe["round_p50s"] = [p["confirmed_ms"]["p50"] for p in probes]
    probe["post_p50"] = summary_ms(v for p in probes for v in p["post_s"])["p50"]
    probe["samples"] = pooled["count"]
    probe["failures"] = sum(sum(p["failures"].values()) for p in probes)
    for stage in ("created_to_relayed", "relayed_to_reserved", "reserved_to_confirmed"):
        probe[f"server_{stage}_p50"] = median_of(
            p["server_side"]["stages_ms"][stage]["p50"] for p in probes
        )
    probe["server_total_p50"] = median_of(
        p["server_side"]["created_to_confirmed_ms"]["p50"] for p in probes
    )
    probe["mean_polls"] = median_of(p["mean_polls"] for p in probes)
    return {"by_concurrency": table, "probe": probe}


async def read_outbox(deployment: servers.Deployment, wall_start: float) -> list:
    since = outbox.since_for(wall_start)
    if deployment.sqlite_path is not None:
        return await asyncio.to_thread(outbox.read_sqlite, deployment.sqlite_path, since)
    assert deployment.pg_dsn is not None
    return await outbox.read_postgres(deployment.pg_dsn, since)


async def measure(deployment: servers.Deployment, args: argparse.Namespace, run_id: str) -> dict:
    deployment.env.update(args.server_env)
    token = await servers.launch(deployment)
    async with load.session_for(deployment.base_url, token, 8) as session:
        fixtures = await load.seed(session, run_id, lines=args.lines)
        check = await load.confirmation_probe(session, fixtures.payloads, samples=1, timeout=30)
    worked = not check["failures"] and check["confirmed_ms"]["count"]
    deployment.check(worked, f"an order did not reach 'confirmed': {check['failures']}")
    log(
        f"{deployment.mode}: the flow works (first order confirmed in "
        f"{check['confirmed_ms']['p50']:.1f} ms); warming up"
    )
    await load.warm_up(deployment.base_url, token, fixtures.payloads, args.warmup * 2)
    points: list[dict] = []
    probes: list[dict] = []
    async with load.session_for(deployment.base_url, token, 4) as session:
        await load.wait_drained(session, timeout=120)
        for round_no in range(1, args.rounds + 1):
            for conc in args.concurrencies:
                last = round_no == args.rounds and conc == max(args.concurrencies)
                spies = start_profile(deployment, args) if args.profile and last else []
                cpu0, sched0, t0 = deployment.cpu(), deployment.sched(), time.perf_counter()
                result = await load.closed_loop(
                    deployment.base_url,
                    token,
                    fixtures.payloads,
                    concurrency=conc,
                    duration=args.duration,
                    warmup=args.warmup,
                )
                cpu1, sched1, t1 = deployment.cpu(), deployment.sched(), time.perf_counter()
                drained, waited = await load.wait_drained(session, timeout=120)
                cpu2 = deployment.cpu()
                await finish_profile(spies)
                rows = await read_outbox(deployment, result.wall_start)
                point = result.summary()
                point["round"] = round_no
                point["server_cpu_pct"] = {
                    name: round((cpu1[name] - cpu0[name]) / (t1 - t0) * 100, 1)
                    for name in cpu0
                    if cpu0[name] is not None and cpu1[name] is not None
                }
                point["main_thread_waiting_for_cpu_pct"] = {
                    name: round((sched1[name][1] - sched0[name][1]) / (t1 - t0) * 100, 1)
                    for name in sched0
                    if sched0[name] and sched1[name]
                }
                point["loadavg_after"] = machine.loadavg()
                placed_total = result.ok_including_warmup
                point["server_cpu_ms_per_order"] = {
                    name: round((cpu2[name] - cpu0[name]) / placed_total * 1000, 3)
                    for name in cpu0
                    if placed_total and cpu0[name] is not None and cpu2[name] is not None
                }
                point["server_cpu_ms_per_order_total"] = (
                    round(sum(point["server_cpu_ms_per_order"].values()), 3)
                    if point["server_cpu_ms_per_order"]
                    else None
                )
                point["drained"] = drained
                point["drain_s"] = round(waited, 3)
                point["confirmation"] = outbox.confirmation_latency(rows, result.order_ids)
                points.append(point)
                conf = point["confirmation"]["created_to_confirmed_ms"]
                log(
                    f"{deployment.mode} round {round_no} c={conc}: "
                    f"{point['throughput_rps']} orders/s, p50 {point['latency_ms']['p50']} ms, "
                    f"p99 {point['latency_ms']['p99']} ms, errors {point['errors']}; "
                    f"confirmed p50 {conf['p50']} p99 {conf['p99']} ms; drained in {waited:.2f} s; "
                    f"server CPU {point['server_cpu_pct']} %, waiting for a CPU "
                    f"{point['main_thread_waiting_for_cpu_pct']} %"
                )
            probe = await load.confirmation_probe(
                session, fixtures.payloads, samples=args.probe_samples
            )
            probe["round"] = round_no
            rows = await read_outbox(deployment, probe.pop("wall_start"))
            probe["server_side"] = outbox.confirmation_latency(rows, probe.pop("order_ids"))
            probes.append(probe)
            log(
                f"{deployment.mode} round {round_no} probe: confirmed p50 "
                f"{probe['confirmed_ms']['p50']} ms, p99 {probe['confirmed_ms']['p99']} ms"
            )
    dead = deployment.dead()
    return {
        "loadavg_after_points": machine.loadavg(),
        "points": points,
        "probes": probes,
        "summary": summarise(points, probes),
        "memory": deployment.memory(),
        "processes_alive_at_end": not dead,
    }


def base_result(mode: str, args: argparse.Namespace, argv: list[str] | None) -> dict:
    return {
        **scenario.header(f"run-{mode}", argv, "run", "bench"),
        "mode": mode,
        "quick": args.quick,
        "settings": {
            **cli.point_settings(args),
            "probe_samples_per_round": args.probe_samples,
            "probe_poll_ms": 2,
            "lines_per_order": args.lines,
            "customers": 20,
            "products": 50,
            "stock_per_product": 100_000_000,
            "client": "aiohttp, one process, closed loop",
            "server_env_overrides": args.server_env,
        },
        "loadavg_start": machine.loadavg(),
    }


def start_profile(deployment: servers.Deployment, args: argparse.Namespace) -> list:
    """py-spy on each server process for the point; the files stay in the work directory."""
    spies = []
    for proc in deployment.procs:
        out = deployment.workdir / f"profile-{proc.name.split()[1]}.txt"
        seconds = args.warmup + args.duration
        spy = profile.record(proc.pid, out, seconds, rate=100, options=("--nonblocking", "--gil"))
        spies.append((proc.name, out, spy))
    return spies


async def finish_profile(spies: list) -> None:
    for name, out, spy in spies:
        await asyncio.to_thread(spy.wait)
        if out.exists():
            log(f"profile of {name}: {out}")
            print(profile.profile_top(out.read_text()), file=sys.stderr)


async def run_mode(args: argparse.Namespace, argv: list[str] | None, bus: str = "") -> dict:
    """One mode (the services mode when a `bus` is given), measured in a fresh deployment;
    the services mode's database then gets the pgbench baseline."""
    mode = "services" if bus else "embedded"
    run_id = cli.run_id()
    result = base_result(mode, args, argv)

    async def baseline(deployment: servers.Deployment) -> None:
        if deployment.database_name and not args.no_pgbench:
            conn = {**cli.pg_parts(args.pg), "db": deployment.database_name}
            result["pgbench"] = await asyncio.to_thread(
                pgbench.baseline, args, conn, deployment.workdir
            )

    await servers.measured(
        result,
        mode,
        lambda deployment: measure(deployment, args, run_id),
        stopped=baseline,
        prefix=mode,
        run_id=run_id,
        pg=args.pg,
        nats_url=args.nats_url,
        bus=bus or "embedded",
        keep=args.keep,
        keep_workdir=args.profile,
    )
    result["loadavg_end"] = machine.loadavg()
    if result.get("pgbench"):
        result["flow_vs_pgbench"] = pgbench.ratios(result)
    return result


async def run_services(args: argparse.Namespace, argv: list[str] | None) -> dict:
    bus = servers.resolve_bus(args.services_bus)
    note = None
    if args.services_bus == "auto" and bus == "embedded":
        note = (
            "src/pulse/platform/bus/nats.py does not exist yet: the services mode ran "
            "with the embedded bus over PostgreSQL (the outbox polled by the relay "
            "and worker processes)"
        )
        log(note)
    result = await run_mode(args, argv, bus)
    if result["status"] != "ok" and bus == "nats" and args.services_bus == "auto":
        failed = {"bus": "nats", "error": result.get("error")}
        log("services: the NATS run failed; measuring with the embedded bus over PostgreSQL")
        result = await run_mode(args, argv, "embedded")
        result["nats_attempt"] = failed
        note = (
            "the NATS backend failed to run the flow (see nats_attempt); the embedded bus "
            "over PostgreSQL was measured instead"
        )
    result["bus"] = bus if "nats_attempt" not in result else "embedded"
    if note:
        result["note"] = note
    return result


async def main_async(args: argparse.Namespace, argv: list[str] | None) -> int:
    log(
        f"load average {machine.loadavg()}; mode {args.mode}; {args.rounds} round(s) of "
        f"{args.duration:g} s at concurrency {args.concurrencies}"
    )
    results = []
    if args.mode in ("embedded", "all"):
        results.append(await run_mode(args, argv))
        log(f"saved {scenario.save(results[-1], args.results_dir, 'embedded')}")
    if args.mode in ("services", "all"):
        results.append(await run_services(args, argv))
        log(f"saved {scenario.save(results[-1], args.results_dir, 'services')}")
    for result in results:
        print(report.console_summary(result))
    if not args.no_docs:
        latest = report.latest_results(args.results_dir)
        previous = DOCS.read_text() if DOCS.exists() else ""
        DOCS.write_text(report.markdown(latest, previous))
        log(f"wrote {DOCS}")
    return 0 if all(r["status"] == "ok" for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    return cli.run_timed(main_async(parse_args(argv), argv))


if __name__ == "__main__":
    raise SystemExit(main())
