"""`python -m bench.billing`: the billing benchmark — payments, invoice PDFs, order → invoice.

For each mode (embedded: SQLite + in-process bus; services: PostgreSQL + NATS with separate
API, relay and worker processes) it starts the product in fresh storage the way
`bench.run` does, creates customers, products and open invoices through the API, and then,
in rounds:

- runs a closed-loop POST /billing/invoices/{id}/pay load at each concurrency, 1.00 per
  payment, the invoices taken round-robin so that concurrent payments never share an
  invoice (the test measures the payment path, not one row's lock);
- runs the order load (POST /orders) at one concurrency and reads from the outbox how long
  each order took to get its invoice (`order.created` → `invoice.issued`);
- places orders one at a time and waits for each one's `invoice.issued`.

It also renders a 3-line invoice in-process with `render_pdf` and times the served path,
GET /billing/invoices/{id}/pdf, for a version not rendered yet and for a stored one.
Results go to bench/results/<date>-billing.json and a section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any

import orjson

from bench import billing_bounds, billing_load, billing_pdf, billing_report
from bench.billing_load import wait_documents
from bench.harness import cli, load, machine, meter, scenario, servers
from bench.harness.docs import DOCS, write_section
from bench.harness.outbox import Reader

log = functools.partial(cli.log, tag="billing")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = cli.parser("billing", __doc__)
    cli.add_point_flags(parser, concurrency="10,100", what="payment concurrencies")
    parser.add_argument(
        "--order-concurrency", type=int, default=10, help="order load for order → invoice (10)"
    )
    parser.add_argument("--invoices", type=int, help="open invoices paid round-robin (600)")
    parser.add_argument("--pdf-samples", type=int, help="in-process renders timed (100)")
    parser.add_argument("--served-samples", type=int, help="invoices fetched cold + cached (20)")
    parser.add_argument(
        "--probe-samples", type=int, help="orders per round placed one at a time (15)"
    )
    cli.add_services_flags(parser, modes=True)
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="wait until the 1-minute load average is below this before a full run (1.5)",
    )
    parser.add_argument(
        "--load-wait", type=float, default=900, help="longest wait for --max-load, seconds (900)"
    )
    cli.add_output_flags(
        parser, quick="a short smoke run of the harness", keep="keep work directories and database"
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="RESULT.json",
        help="measure nothing: rewrite the billing section of docs/PERFORMANCE.md from a "
        "saved result",
    )
    samples = {"pdf_samples": (100, 20), "served_samples": (20, 5), "probe_samples": (15, 5)}
    return cli.parse(parser, argv, {**cli.POINTS, "invoices": (600, 150), **samples})


async def measure(
    deployment: servers.Deployment, args: argparse.Namespace, run_id: str
) -> dict[str, object]:
    token = await servers.launch(deployment)
    out: dict[str, object] = {}
    outbox = Reader(deployment)
    await outbox.open()
    try:
        async with load.session_for(deployment.base_url, token, 8) as session:
            fixtures = await load.seed(session, run_id, lines=3)
            check = await billing_load.invoice_probe(
                session, outbox, fixtures.payloads, samples=1, timeout=30
            )
            worked = not check["failures"] and check["client_seen_ms"]["count"]
            deployment.check(worked, f"an order got no invoice: {check['failures']}")
            log(
                f"{deployment.mode}: order → invoice works ({check['client_seen_ms']['p50']:.1f} "
                f"ms); creating {args.invoices} open invoices"
            )
            watermark = await outbox.max_pk()
            invoices, took = await billing_load.create_invoices(
                session, fixtures.customers, args.invoices
            )
            drained, waited = await wait_documents(outbox, watermark)
            out["setup"] = {
                "invoices": len(invoices.ids),
                "invoice_total": invoices.total,
                "invoice_create_s": round(took, 2),
                "invoices_created_per_s": round(len(invoices.ids) / took, 1),
                "pdf_drain_s": waited,
            }
            log(
                f"{deployment.mode}: {len(invoices.ids)} invoices of {invoices.total} in "
                f"{took:.1f} s; their PDFs done {waited:.1f} s later; warming up"
            )
        payments = invoices.next_payment
        await load.warm_up(
            deployment.base_url, token, payments, args.warmup * 2, finished=invoices.finished
        )
        await load.warm_up(deployment.base_url, token, fixtures.payloads, 1)
        await wait_documents(outbox, 0)
        async with load.session_for(deployment.base_url, token, 4) as session:
            await load.wait_drained(session, timeout=120)
            # Each round: the payment points, an order point, then orders one at a time.
            points: list[dict] = []
            orders: list[dict] = []
            probes: list[dict] = []
            for round_no in range(1, args.rounds + 1):
                for conc in args.concurrencies:
                    point = await billing_load.payment_point(
                        deployment,
                        token,
                        invoices,
                        outbox,
                        concurrency=conc,
                        duration=args.duration,
                        warmup=args.warmup,
                    )
                    point["round"] = round_no
                    points.append(point)
                    lat = point["latency_ms"]
                    log(
                        f"{deployment.mode} round {round_no} pay c={conc}: "
                        f"{point['throughput_rps']} payments/s, p50 {lat['p50']} p95 "
                        f"{lat['p95']} ms, errors {point['errors']}; server CPU "
                        f"{point['server_cpu_pct']} %; PDFs caught up {point['pdf_drain_s']} s "
                        "after"
                    )
                    for sample in point["failed_samples"]:
                        log(f"  failed: {sample}")
                point = await billing_load.order_point(
                    deployment,
                    token,
                    fixtures.payloads,
                    outbox,
                    concurrency=args.order_concurrency,
                    duration=args.duration,
                    warmup=args.warmup,
                )
                point["round"] = round_no
                orders.append(point)
                inv = point["invoice"]["created_to_invoice_issued_ms"]
                log(
                    f"{deployment.mode} round {round_no} orders c={args.order_concurrency}: "
                    f"{point['throughput_rps']} orders/s, order → invoice p50 {inv['p50']} p95 "
                    f"{inv['p95']} ms ({point['invoice']['invoiced']}/"
                    f"{point['invoice']['orders']} invoiced)"
                )
                await load.wait_drained(session, timeout=120)
                probe = await billing_load.invoice_probe(
                    session,
                    outbox,
                    fixtures.payloads,
                    samples=args.probe_samples,
                    offset=round_no * 100,
                )
                probe["round"] = round_no
                probes.append(probe)
                await wait_documents(outbox, 0)
                log(
                    f"{deployment.mode} round {round_no} one order at a time: invoice.issued "
                    f"p50 {probe['server_side']['created_to_invoice_issued_ms']['p50']} ms "
                    f"(server), seen by the client p50 {probe['client_seen_ms']['p50']} ms"
                )
            objects = Path(deployment.env["PULSE_DATA_DIR"]) / "objects"
            out["pdf_served"] = await billing_load.served_pdf(
                session, invoices, objects, samples=args.served_samples
            )
            served = out["pdf_served"]
            log(
                f"{deployment.mode}: GET pdf not rendered yet p50 {served['cold_ms']['p50']} ms, "
                f"stored p50 {served['cached_ms']['p50']} ms; failures {served['failures']}"
            )
        out.update(
            {
                "payment_points": points,
                "order_points": orders,
                "probes": probes,
                "summary": billing_report.summarise(points, orders, probes),
                "memory": deployment.memory(),
                "processes_alive_at_end": not deployment.dead(),
                "loadavg_after": machine.loadavg(),
            }
        )
    finally:
        await outbox.close()
    return out


async def run_mode(args: argparse.Namespace, mode: str) -> dict[str, object]:
    result: dict[str, object] = {"mode": mode, "loadavg_start": machine.loadavg()}
    bus = servers.resolve_bus(args.services_bus)
    if mode == "services":
        result["bus"] = bus
    run_id = cli.run_id("_billing")
    return await servers.measured(
        result,
        mode,
        lambda deployment: measure(deployment, args, run_id),
        prefix=f"billing-{mode}",
        run_id=run_id,
        pg=args.pg,
        nats_url=args.nats_url,
        bus=bus,
        keep=args.keep,
    )


async def main_async(args: argparse.Namespace, argv: list[str] | None) -> int:
    load_wait = None
    if not args.quick:
        load_wait = await meter.wait_for_quiet(args.max_load, args.load_wait)
        log(f"load wait: {load_wait}")
    result: dict[str, Any] = {
        **scenario.header("billing", argv),
        "kind": "billing",
        "quick": args.quick,
        "settings": {
            **cli.point_settings(args),
            "order_concurrency": args.order_concurrency,
            "invoices": args.invoices,
            "payment": orjson.loads(billing_load.PAYMENT_BODY),
            "invoice_lines": billing_load.INVOICE_LINES,
            "pdf_samples": args.pdf_samples,
            "served_samples": args.served_samples,
            "probe_samples": args.probe_samples,
            "order_lines": 3,
            "client": "aiohttp, one process, closed loop",
        },
        "load_wait": load_wait,
        "loadavg_start": machine.loadavg(),
        "modes": {},
    }
    result["pdf_in_process"] = billing_pdf.pdf_in_process(args.pdf_samples)
    log(
        f"render_pdf in-process: median {result['pdf_in_process']['wall_ms']['p50']} ms over "
        f"{args.pdf_samples}"
    )
    for mode in ("embedded", "services"):
        if args.mode in (mode, "all"):
            result["modes"][mode] = await run_mode(args, mode)
    result["loadavg_end"] = machine.loadavg()
    result["notes"] = billing_bounds.bounds(result)
    log(f"saved {scenario.save(result, args.results_dir, 'billing')}")
    print(billing_report.console_summary(result))
    if not args.no_docs:
        write_section("billing", billing_report.markdown(result))
        log(f"wrote {DOCS}")
    return 0 if all(r.get("status") == "ok" for r in result["modes"].values()) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        result = orjson.loads(args.render.read_bytes())
        result["notes"] = billing_bounds.bounds(result)
        write_section("billing", billing_report.markdown(result))
        log(f"wrote {DOCS} from {args.render}")
        return 0
    return cli.run_timed(main_async(args, argv), tag="billing")


if __name__ == "__main__":
    raise SystemExit(main())
