"""`python -m bench.side_by_side`: Pulse against the plan's reference orders service.

The reference service (bench/reference.py: the plan's code, run in place, on PostgreSQL
and NATS) and Pulse in the embedded mode and in the services mode (PostgreSQL + NATS, API,
relay and worker processes; bench/harness/servers.py) all run for the whole benchmark. The same
closed-loop client (bench/harness/load.py) drives each in turn: for every round, for every
concurrency, reference, then embedded, then services (rounds interleaved). All of them get
the same orders (the anchor's mix: 3 customers, 1-3 of 5 products, qty 1-3).

The figure that counts for Pulse is the *completed* rate: orders placed and invoiced per
second with every consumer running. After each point the benchmark polls
`GET /orders?status=invoiced` until every order answered 201 so far is invoiced; completed
rate = orders invoiced in the point (warm-up included) / (first POST → that poll). It then
waits until the outbox, the consumers and the analytics projector have nothing left
(settled). Nothing follows the reference service's answer, so its completed rate is its
answers (warm-up included) / (first POST → last answer). Server CPU per order counts the
server processes and their children from the first POST to settled.
Results: bench/results/<date>-side-by-side.json and a section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bench import reference
from bench import side_by_side_report as sbs_report
from bench.harness import cli, load, machine, scenario, servers
from bench.harness.cli import log, pg_parts
from bench.harness.docs import DOCS, write_section
from bench.side_by_side_targets import Target, pulse_fixtures, run_point

# "embedded-analytics": the embedded server with its analytics store in a second process
# (PULSE_FLOW_PROCESS=analytics).
PULSE_MODES = ("embedded", "embedded-analytics", "services")
POINTS = {"duration": (10.0, 2.0), "warmup": (2.0, 0.5), "rounds": (3, 1)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = cli.parser("side_by_side", __doc__)
    cli.add_point_flags(parser, defaults=POINTS)
    parser.add_argument(
        "--pulse",
        default="embedded,services",
        help="Pulse modes to run (embedded,services; also embedded-analytics)",
    )
    parser.add_argument("--flow-timeout", type=float, help="longest wait to invoice (180)")
    parser.add_argument("--pg", default="postgres@127.0.0.1:5432", help="PostgreSQL user@host:port")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    cli.add_output_flags(
        parser, quick="1 round of 2 s points (smoke run)", keep="keep work directories and database"
    )
    args = cli.parse(parser, argv, {**POINTS, "flow_timeout": (180.0, 30.0)})
    args.pulse_modes = [m.strip() for m in args.pulse.split(",") if m.strip()]
    if unknown := set(args.pulse_modes) - set(PULSE_MODES):
        parser.error(f"--pulse takes {', '.join(PULSE_MODES)}, not {', '.join(unknown)}")
    return args


async def start(target: Target) -> None:
    target.deployment.start()
    await servers.wait_ready(target.deployment, timeout=120)
    log(f"{target.name}: ready at {target.deployment.base_url}")


@contextlib.asynccontextmanager
async def deployments(
    args: argparse.Namespace, workdir: Path, run_id: str, shapes: list, state: dict
) -> AsyncIterator[list[Target]]:
    """Every target started, their fixtures made; everything stopped and removed on exit."""
    targets: list[Target] = []
    async with contextlib.AsyncExitStack() as stack:
        try:
            if reason := reference.missing():
                state["reference_skipped"] = reason
                log(f"SKIPPING the reference service: {reason}")
            else:
                dsn = await reference.prepare_database(pg_parts(args.pg))
                dep = reference.deployment(workdir / "reference", dsn, args.nats_url)
                dep.workdir.mkdir(parents=True)
                targets.append(Target("reference", dep, "", reference.reference_payloads(shapes)))
            for mode in args.pulse_modes:
                dep = await stack.enter_async_context(
                    servers.deployed(
                        mode,
                        prefix=f"sbs-{mode}",
                        run_id=run_id,
                        pg=args.pg,
                        nats_url=args.nats_url,
                        keep=args.keep,
                    )
                )
                token = load.mint_token(dep.env["PULSE_JWT_SECRET"])
                targets.append(Target(mode, dep, token, [], completes=True))
            state["wiring"] = {t.name: t.deployment.wiring for t in targets}
            await asyncio.gather(*(start(t) for t in targets))
            for target in targets:
                if target.completes:
                    customer_ids = await pulse_fixtures(target, run_id)
                    target.payloads = reference.pulse_payloads(shapes, customer_ids)
            yield targets
        finally:
            for target in targets:
                state.setdefault("memory", {})[target.name] = target.deployment.memory()
                state.setdefault("exit_codes", {})[target.name] = target.deployment.stop()


async def measure(args: argparse.Namespace, state: dict) -> None:
    run_id = cli.run_id()
    workdir = Path(tempfile.mkdtemp(prefix="pulse-bench-sbs-"))
    shapes = reference.order_shapes(20_000)
    try:
        async with deployments(args, workdir, run_id, shapes, state) as targets:
            for target in targets:  # one unrecorded warm-up each, then let it settle
                await run_point(target, 10, 0, args, record=False)
            for target in targets:
                target.idle_pct = await target.idle_cpu_pct(2.0)
            state["idle_cpu_pct"] = {t.name: round(t.idle_pct, 1) for t in targets}
            log(f"idle CPU % of a core: {state['idle_cpu_pct']}")
            for round_no in range(1, args.rounds + 1):
                for conc in args.concurrencies:
                    for target in targets:  # A, B, C, A, B, C, ...
                        state["points"].append(await run_point(target, conc, round_no, args))
            state["orders_answered_201"] = {t.name: t.ok_total for t in targets}
            state["flow_incomplete"] = [m for t in targets for m in t.incomplete]
            ref = next((t for t in targets if t.name == "reference"), None)
            if ref is not None:
                state["reference_orders_in_db"] = await reference.order_count(
                    ref.deployment.database_url
                )
    finally:
        if args.keep:
            log(f"work directory kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    make_target = "bench-side-by-side (a step of make bench)"
    state: dict = {
        **scenario.header("side-by-side", argv, "side_by_side", make_target),
        "mode": "side-by-side",
        "quick": args.quick,
        "settings": {
            **cli.point_settings(args),
            "pulse_modes": args.pulse_modes,
            "client": "bench/harness/load.py closed_loop (aiohttp, one process)",
            "orders": "3 customers, 1-3 of 5 products, qty 1-3 (seed_demo.sql's)",
        },
        "loadavg_start": machine.loadavg(),
        "points": [],
    }
    started = time.perf_counter()
    try:
        asyncio.run(measure(args, state))
        state["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, then reported
        state["status"] = "failed"
        state["error"] = repr(exc)[-3000:]
        log(f"FAILED: {exc!r}")
    state["loadavg_end"] = machine.loadavg()
    state["summary"] = sbs_report.summarise(state["points"], args.concurrencies)
    saved = scenario.save(state, args.results_dir, "side-by-side")
    log(f"saved {saved} in {time.perf_counter() - started:.0f} s")
    print(sbs_report.console(state))
    if not args.no_docs and state["points"]:
        write_section(sbs_report.NAME, sbs_report.markdown(state))
        log(f"wrote {DOCS}")
    return 0 if state["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
