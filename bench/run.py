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
import contextlib
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench import flow, load, machine, pgbench, report, servers
from bench.stats import median_of, summary_ms

RESULTS = Path(__file__).resolve().parent / "results"
DOCS = machine.ROOT / "docs" / "PERFORMANCE.md"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("embedded", "services", "all"), default="all")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short points, one round, short pgbench: a smoke run of the harness",
    )
    parser.add_argument("--duration", type=float, help="seconds measured per load point (5)")
    parser.add_argument(
        "--warmup", type=float, help="seconds of unrecorded load before each point (1)"
    )
    parser.add_argument(
        "--rounds", type=int, help="rounds over all concurrencies; medians are quoted (3)"
    )
    parser.add_argument("--concurrency", default="1,10,100", help="comma-separated (1,10,100)")
    parser.add_argument(
        "--probe-samples", type=int, help="orders per round in the confirmation probe (15)"
    )
    parser.add_argument("--pgbench-duration", type=int, help="seconds per pgbench run (10)")
    parser.add_argument("--pgbench-rounds", type=int, help="pgbench runs per concurrency (2)")
    parser.add_argument("--no-pgbench", action="store_true", help="skip the pgbench baseline")
    parser.add_argument(
        "--services-bus",
        choices=("auto", "nats", "embedded"),
        default="auto",
        help="bus of the services mode; auto = NATS when the backend exists, "
        "else the embedded bus over PostgreSQL",
    )
    parser.add_argument(
        "--pg", default="postgres@127.0.0.1:5432", help="PostgreSQL user@host:port (trust auth)"
    )
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
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
    parser.add_argument("--keep", action="store_true", help="keep work directories and database")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "duration": 2.0 if quick else 5.0,
        "warmup": 0.5 if quick else 1.0,
        "rounds": 1 if quick else 3,
        "probe_samples": 10 if quick else 15,
        "pgbench_duration": 3 if quick else 10,
        "pgbench_rounds": 1 if quick else 2,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    overrides = {}
    for item in args.server_env:
        name, sep, value = item.partition("=")
        if not sep or not name.startswith("PULSE_"):
            parser.error(f"--set wants PULSE_NAME=VALUE, not {item!r}")
        overrides[name] = value
    args.server_env = overrides
    return args


def command_line(argv: list[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    if os.environ.get("MAKELEVEL") and not args:
        return "make bench"
    return " ".join([".venv/bin/python -m bench.run", *map(shlex.quote, args)])


def pg_parts(spec: str) -> dict[str, str]:
    user, _, hostport = spec.partition("@")
    host, _, port = hostport.partition(":")
    return {"user": user or "postgres", "host": host or "127.0.0.1", "port": port or "5432"}


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
    since = flow.since_for(wall_start)
    if deployment.sqlite_path is not None:
        return await asyncio.to_thread(flow.read_sqlite, deployment.sqlite_path, since)
    assert deployment.pg_dsn is not None
    return await flow.read_postgres(deployment.pg_dsn, since)


async def start_profile(deployment: servers.Deployment, seconds: float) -> list:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    jobs = []
    for proc in deployment.procs:
        out = deployment.workdir / f"profile-{proc.name.split()[1]}.txt"
        jobs.append(
            (
                proc.name,
                out,
                await asyncio.create_subprocess_exec(
                    spy,
                    "record",
                    "--pid",
                    str(proc.pid),
                    "--duration",
                    str(max(1, int(seconds))),
                    "--rate",
                    "100",
                    "--nonblocking",
                    "--gil",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
            )
        )
    return jobs


async def finish_profile(jobs: list) -> None:
    for name, out, job in jobs:
        await job.wait()
        if out.exists():
            log(f"profile of {name}: {out}")
            print(report.profile_top(out.read_text()), file=sys.stderr)


async def measure(deployment: servers.Deployment, args: argparse.Namespace, run_id: str) -> dict:
    deployment.env.update(args.server_env)
    secret = deployment.env["PULSE_JWT_SECRET"]
    token = load.mint_token(secret)
    deployment.start()
    await servers.wait_ready(deployment)
    log(f"{deployment.mode}: ready at {deployment.base_url}; creating customers and products")
    async with load.session_for(deployment.base_url, token, 8) as session:
        fixtures = await load.seed(session, run_id)
        fixtures.make_payloads(lines=args.lines)
        check = await load.confirmation_probe(session, fixtures.payloads, samples=1, timeout=30)
        if check["failures"] or not check["confirmed_ms"]["count"]:
            tails = "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in deployment.procs)
            raise RuntimeError(f"an order did not reach 'confirmed': {check['failures']}\n{tails}")
    log(
        f"{deployment.mode}: the flow works (first order confirmed in "
        f"{check['confirmed_ms']['p50']:.1f} ms); warming up"
    )
    await load.closed_loop(
        deployment.base_url,
        token,
        fixtures.payloads,
        concurrency=10,
        duration=max(1.0, args.warmup * 2),
        warmup=0,
    )
    points: list[dict] = []
    probes: list[dict] = []
    async with load.session_for(deployment.base_url, token, 4) as session:
        await load.wait_drained(session, timeout=120)
        for round_no in range(1, args.rounds + 1):
            for conc in args.concurrencies:
                profile_jobs = []
                if args.profile and round_no == args.rounds and conc == max(args.concurrencies):
                    profile_jobs = await start_profile(deployment, args.warmup + args.duration)
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
                await finish_profile(profile_jobs)
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
                point["confirmation"] = flow.confirmation_latency(rows, result.order_ids)
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
            probe["server_side"] = flow.confirmation_latency(rows, probe.pop("order_ids"))
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
        "mode": mode,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(argv),
        "quick": args.quick,
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "concurrency": args.concurrencies,
            "probe_samples_per_round": args.probe_samples,
            "probe_poll_ms": 2,
            "lines_per_order": args.lines,
            "customers": 20,
            "products": 50,
            "stock_per_product": 100_000_000,
            "client": "aiohttp, one process, closed loop",
            "server_env_overrides": args.server_env,
        },
        "machine": machine.describe(),
        "loadavg_start": machine.loadavg(),
    }


async def run_embedded(args: argparse.Namespace, argv: list[str] | None) -> dict:
    result = base_result("embedded", args, argv)
    run_id = f"{datetime.now(UTC):%Y%m%d%H%M%S}{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="pulse-bench-embedded-"))
    deployment = servers.embedded(workdir, secrets.token_urlsafe(32))
    result["wiring"] = deployment.wiring
    try:
        result.update(await measure(deployment, args, run_id))
        result["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failed mode is reported, not raised
        result["status"] = "failed"
        result["error"] = str(exc)[-3000:]
        log(f"embedded: FAILED: {exc}")
    finally:
        result["exit_codes"] = deployment.stop()
        if args.keep or args.profile:
            log(f"embedded: work directory kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result["loadavg_end"] = machine.loadavg()
    return result


async def _services_once(args: argparse.Namespace, argv: list[str] | None, bus: str) -> dict:
    result = base_result("services", args, argv)
    run_id = f"{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="pulse-bench-services-"))
    pg = pg_parts(args.pg)
    admin_dsn = f"postgresql://{pg['user']}@{pg['host']}:{pg['port']}/postgres"
    deployment = None
    try:
        deployment = await servers.services(
            workdir,
            secrets.token_urlsafe(32),
            admin_dsn=admin_dsn,
            pg_host=f"{pg['user']}@{pg['host']}:{pg['port']}",
            run_id=run_id,
            bus=bus,
            nats_url=args.nats_url,
        )
        result["wiring"] = deployment.wiring
        result.update(await measure(deployment, args, run_id))
        result["status"] = "ok"
    except Exception as exc:  # noqa: BLE001
        result["status"] = "failed"
        result["error"] = str(exc)[-3000:]
        log(f"services ({bus} bus): FAILED: {exc}")
    finally:
        if deployment is not None:
            result["exit_codes"] = deployment.stop()
            if result["status"] == "ok" and not args.no_pgbench:
                result["pgbench"] = await asyncio.to_thread(
                    run_pgbench, args, {**pg, "db": deployment.database_name or ""}, workdir
                )
            if deployment.nats_stream:
                await servers.delete_nats_stream(args.nats_url, deployment.nats_stream)
            if deployment.database_name and not args.keep:
                with contextlib.suppress(Exception):
                    await servers.drop_database(admin_dsn, deployment.database_name)
        if args.keep or args.profile:
            log(f"services: work directory kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result["loadavg_end"] = machine.loadavg()
    if result.get("pgbench"):
        result["flow_vs_pgbench"] = ratios(result)
    return result


async def run_services(args: argparse.Namespace, argv: list[str] | None) -> dict:
    bus = args.services_bus
    note = None
    if bus == "auto":
        if servers.nats_backend_present():
            bus = "nats"
        else:
            bus = "embedded"
            note = (
                "src/pulse/platform/bus/nats.py does not exist yet: the services mode ran "
                "with the embedded bus over PostgreSQL (the outbox polled by the relay "
                "and worker processes)"
            )
    if note:
        log(note)
    result = await _services_once(args, argv, bus)
    if result["status"] != "ok" and bus == "nats" and args.services_bus == "auto":
        failed = {"bus": "nats", "error": result.get("error")}
        log("services: the NATS run failed; measuring with the embedded bus over PostgreSQL")
        result = await _services_once(args, argv, "embedded")
        result["nats_attempt"] = failed
        note = (
            "the NATS backend failed to run the flow (see nats_attempt); the embedded bus "
            "over PostgreSQL was measured instead"
        )
    result["bus"] = bus if "nats_attempt" not in result else "embedded"
    if note:
        result["note"] = note
    return result


def run_pgbench(args: argparse.Namespace, conn: dict[str, str], workdir: Path) -> dict:
    if not pgbench.available():
        return {"error": "pgbench or psql not found"}
    script = pgbench.prepare(conn, workdir)
    runs = []
    for round_no in range(1, args.pgbench_rounds + 1):
        for conc in args.concurrencies:
            log(f"pgbench round {round_no} c={conc} for {args.pgbench_duration} s")
            out = pgbench.run(
                conn,
                script,
                clients=conc,
                duration=args.pgbench_duration,
                workdir=workdir,
                tag=f"r{round_no}",
            )
            out["round"] = round_no
            runs.append(out)
            log(
                f"pgbench c={out['clients']}: {out['tps']} tps, "
                f"p50 {out['latency_ms']['p50']} ms, p99 {out['latency_ms']['p99']} ms"
            )
    summary = {}
    for conc in args.concurrencies:
        mine = [r for r in runs if r["clients_requested"] == conc]
        summary[str(conc)] = {
            "clients": mine[0]["clients"] if mine else None,
            "tps": median_of(r["tps"] for r in mine),
            "p50": median_of(r["latency_ms"]["p50"] for r in mine),
            "p95": median_of(r["latency_ms"]["p95"] for r in mine),
            "p99": median_of(r["latency_ms"]["p99"] for r in mine),
            "failed": sum(r["failed"] or 0 for r in mine),
        }
    return {
        "script": pgbench.SCRIPT,
        "table": pgbench.TABLE.strip(),
        "runs": runs,
        "summary": summary,
        "loadavg_after": machine.loadavg(),
    }


def ratios(result: dict) -> dict:
    out = {}
    flow_table = result.get("summary", {}).get("by_concurrency", {})
    for conc, pg in result["pgbench"].get("summary", {}).items():
        orders = flow_table.get(conc, {}).get("throughput_rps")
        if orders and pg.get("tps"):
            out[conc] = round(orders / pg["tps"], 4)
    return out


def save(result: dict, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{result['date']}-{result['mode']}.json"
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return path


async def main_async(args: argparse.Namespace, argv: list[str] | None) -> int:
    log(
        f"load average {machine.loadavg()}; mode {args.mode}; {args.rounds} round(s) of "
        f"{args.duration:g} s at concurrency {args.concurrencies}"
    )
    results = []
    if args.mode in ("embedded", "all"):
        results.append(await run_embedded(args, argv))
        log(f"saved {save(results[-1], args.results_dir)}")
    if args.mode in ("services", "all"):
        results.append(await run_services(args, argv))
        log(f"saved {save(results[-1], args.results_dir)}")
    for result in results:
        print(report.console_summary(result))
    if not args.no_docs:
        latest = report.latest_results(args.results_dir)
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        previous = DOCS.read_text() if DOCS.exists() else ""
        DOCS.write_text(report.markdown(latest, previous))
        log(f"wrote {DOCS}")
    return 0 if all(r["status"] == "ok" for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        code = asyncio.run(main_async(args, argv))
    finally:
        log(f"done in {time.perf_counter() - started:.0f} s")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
