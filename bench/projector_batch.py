"""`python -m bench.projector_batch`: what one analytics batch costs, by its size.

The projector's work on one batch — `transform.build` and `projection.apply`, in the
writer's thread — measured on a DuckDB file that already holds a history, for batches of
1, 10, 100 and 1000 events of the order flow. The events are the product's own event
classes (order placed, stock reserved, order confirmed, invoice issued, order invoiced,
payment received, order paid; some orders rejected or cancelled, some invoices credited),
dumped as the outbox stores them and interleaved as they arrive when many orders are in
flight.

Reported per size, medians of many batches: wall time, the process's CPU time (all its
threads: DuckDB plans and runs statements on threads of its own) and the part of it spent
on the calling thread, and the number of SQL statements DuckDB parses and plans per batch and
of calls into DuckDB (statements sent, transactions, Arrow tables registered), the means
of ten batches counted in a separate pass, not timed.

`--code DIR` (repeatable) measures the code of other checkouts too, each in its own
process and with rounds interleaved, so that a before and an after share the machine's
moods: `python -m bench.projector_batch --code /path/to/base --code .`
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1, 10, 100, 1000)
# Batches measured per size and round: enough for a median, bounded for the big ones.
BATCHES = {1: 60, 10: 40, 100: 20, 1000: 6}
# Batches whose statements are counted per size (a batch of one event costs what its type does).
COUNTED = 10


# -- the events --------------------------------------------------------------------------------
def order_flows(seed: int, start: dt.datetime) -> Iterator[tuple[dt.datetime, Any]]:
    """An endless stream of (time, event), order lifecycles overlapping as in a busy shop."""
    from pulse.inventory import ProductCreated, StockReleased, StockReserved
    from pulse.orders import (
        CustomerCreated,
        OrderCancelled,
        OrderConfirmed,
        OrderPlaced,
        OrderRejected,
    )

    rng = random.Random(seed)
    ids = RecordIds(rng, start)
    cent = Decimal("0.01")
    prices = {
        f"CAM-{i:03d}": Decimal(rng.choice(["9.99", "24.50", "120.00", "399.00"]))
        for i in range(40)
    }
    on_hand = dict.fromkeys(prices, 10**6)
    reserved = dict.fromkeys(prices, 0)
    customers = [ids.new() for _ in range(200)]
    for sku, price in prices.items():
        yield (
            start,
            ProductCreated(
                sku=sku,
                name=sku,
                price=price,
                tax_rate=Decimal("0.2000"),
                qty_on_hand=10**6,
                reorder_point=10,
                reorder_qty=50,
                lead_time_days=5,
            ),
        )
    for customer in customers:
        yield (
            start,
            CustomerCreated(
                customer_id=customer,
                name=f"Customer {customer.hex[:6]}",
                email=f"{customer.hex[:8]}@example.com",
                payment_terms_days=rng.choice([0, 14, 30]),
            ),
        )
    i = 0
    while True:
        i += 1
        at = start + dt.timedelta(seconds=i * 3)
        ids.now = at
        order_id, customer = ids.new(), rng.choice(customers)
        number = f"SO-{i:07d}"
        lines = []
        for sku in rng.sample(sorted(prices), rng.randint(1, 3)):
            qty = rng.randint(1, 4)
            total = (prices[sku] * qty).quantize(cent)
            lines.append(
                {
                    "sku": sku,
                    "qty": qty,
                    "unit_price": prices[sku],
                    "tax_rate": Decimal("0.2000"),
                    "line_total": total,
                    "line_tax": (total * Decimal("0.2")).quantize(cent),
                }
            )
        subtotal = sum((line["line_total"] for line in lines), Decimal("0.00"))
        tax = sum((line["line_tax"] for line in lines), Decimal("0.00"))
        flow: list[Any] = [
            OrderPlaced(
                order_id=order_id,
                number=number,
                customer_id=customer,
                lines=tuple(lines),
                subtotal=subtotal,
                tax=tax,
                total=subtotal + tax,
                placed_at=at,
            )
        ]
        fate = rng.random()
        if fate < 0.05:
            flow.append(OrderRejected(order_id=order_id, number=number, reason="out of stock"))
        else:
            stock = []
            for line in lines:
                reserved[line["sku"]] += line["qty"]
                stock.append(
                    {
                        "sku": line["sku"],
                        "qty": line["qty"],
                        "qty_on_hand": on_hand[line["sku"]],
                        "reserved_qty": reserved[line["sku"]],
                    }
                )
            flow.append(StockReserved(order_id=order_id, lines=tuple(stock)))
            flow.append(
                OrderConfirmed(
                    order_id=order_id, number=number, customer_id=customer, total=subtotal + tax
                )
            )
            if fate < 0.10:
                for line in stock:
                    reserved[line["sku"]] -= line["qty"]
                    line["reserved_qty"] = reserved[line["sku"]]
                flow.append(StockReleased(order_id=order_id, lines=tuple(stock)))
                flow.append(
                    OrderCancelled(
                        order_id=order_id,
                        number=number,
                        previous_status="confirmed",
                        reason="asked",
                    )
                )
            else:
                flow += _billed(ids, order_id, number, customer, subtotal, tax, at, fate, i)
        for step, event in enumerate(flow):
            # Stages trail one another: a batch holds several orders at different stages.
            yield at + dt.timedelta(seconds=2 * step), event


def _billed(
    ids: RecordIds,
    order_id: Any,
    number: str,
    customer: Any,
    subtotal: Decimal,
    tax: Decimal,
    at: dt.datetime,
    fate: float,
    i: int,
) -> list[Any]:
    from pulse.billing import CreditNoteIssued, InvoiceIssued, PaymentReceived
    from pulse.orders import OrderStatusChanged

    total = subtotal + tax
    invoice_id = ids.new()
    flow: list[Any] = [
        InvoiceIssued(
            invoice_id=invoice_id,
            number=f"INV-{i:07d}",
            order_id=order_id,
            customer_id=customer,
            issue_date=at.date(),
            due_date=at.date() + dt.timedelta(14),
            lines=(),
            subtotal=subtotal,
            tax=tax,
            total=total,
            status="issued",
        ),
        OrderStatusChanged(
            order_id=order_id, number=number, from_status="confirmed", to_status="invoiced"
        ),
    ]
    if fate < 0.15:
        flow.append(
            CreditNoteIssued(
                invoice_id=invoice_id,
                credit_note_id=ids.new(),
                number=f"CN-{i:07d}",
                invoice_number=f"INV-{i:07d}",
                order_id=order_id,
                customer_id=customer,
                issue_date=at.date(),
                subtotal=subtotal,
                tax=tax,
                total=total,
                applied_to_balance=total,
                refund_due=Decimal("0.00"),
                invoice_status="credited",
                reason="returned",
            )
        )
    elif fate < 0.70:
        flow.append(
            PaymentReceived(
                invoice_id=invoice_id,
                payment_id=ids.new(),
                invoice_number=f"INV-{i:07d}",
                order_id=order_id,
                customer_id=customer,
                amount=total,
                method="card",
                received_at=at,
                balance_after=Decimal("0.00"),
                invoice_status="paid",
            )
        )
        flow.append(
            OrderStatusChanged(
                order_id=order_id, number=number, from_status="invoiced", to_status="paid"
            )
        )
    return flow


class RecordIds:
    """Time-ordered (version 7) ids like the product's, from the stream's clock and a seeded
    generator: the same seed gives the same events, so two runs apply the same batches."""

    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now

    def new(self) -> uuid.UUID:
        millis = int(self.now.timestamp() * 1000)
        value = (millis << 80) | (0x7 << 76) | (self.rng.getrandbits(12) << 64)
        return uuid.UUID(int=value | (0b10 << 62) | self.rng.getrandbits(62))


def raw_events(seed: int) -> Iterator[Any]:
    """The stream as the projector reads it: numbered, in arrival order, payloads as JSON."""
    import heapq

    from pulse.analytics.transform import RawEvent

    start = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    pending: list[tuple[dt.datetime, int, Any]] = []
    tie = 0
    seq = 0
    for at, event in order_flows(seed, start):
        tie += 1
        heapq.heappush(pending, (at, tie, event))
        # Everything more than a minute older than the newest event has arrived.
        while pending and pending[0][0] < at - dt.timedelta(seconds=60):
            when, _, ready = heapq.heappop(pending)
            seq += 1
            yield RawEvent(seq, ready.type, when.isoformat(), ready.model_dump(mode="json"))


# -- measuring -----------------------------------------------------------------------------------
class Counting:
    """A cursor that counts the SQL statements sent through it (a script counts each one)."""

    def __init__(self, cur: Any) -> None:
        import duckdb

        self._cur = cur
        self._split = duckdb.extract_statements
        self.statements = 0
        self.calls = 0

    def execute(self, sql: str, *args: Any) -> Any:
        self.statements += len(self._split(sql))
        self.calls += 1
        return self._cur.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._cur, name)
        if name in ("begin", "commit", "register", "unregister", "executemany"):
            self.calls += 1
        return attr


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from pulse.analytics import projection, transform
    from pulse.analytics.store import AnalyticsStore

    today = dt.date(2026, 12, 2)
    stream = raw_events(args.seed)
    results: dict[str, Any] = {"sizes": {}}
    with tempfile.TemporaryDirectory(prefix="projector-batch-") as tmp:
        store = AnalyticsStore(
            Path(tmp) / "analytics.duckdb", memory_limit=args.memory_limit, threads=args.threads
        )
        store.open()
        try:
            cur = store.cursor()

            def apply(n: int, on: Any = cur) -> None:
                events = [next(stream) for _ in range(n)]
                projection.apply(on, transform.build(events), source="bench", today=today)

            # A history first, so that upserts meet rows that exist, as in a running shop.
            for _ in range(args.history // 5000):
                apply(5000)
            for size in args.sizes:
                apply(size)  # warm: the first batch of a size pays for its query plans' caches
                counting = Counting(cur)
                for _ in range(COUNTED):
                    apply(size, counting)
                results["sizes"][str(size)] = {
                    "statements": counting.statements / COUNTED,
                    "calls": counting.calls / COUNTED,
                    "wall_ms": [],
                    "cpu_ms": [],
                    "thread_cpu_ms": [],
                }
            for _ in range(args.rounds):
                for size in args.sizes:
                    out = results["sizes"][str(size)]
                    for _ in range(max(1, BATCHES.get(size, 10) * args.scale // 100)):
                        events = [next(stream) for _ in range(size)]
                        wall, cpu, thread = time.perf_counter(), cpu_seconds(), time.thread_time()
                        projection.apply(cur, transform.build(events), source="bench", today=today)
                        out["thread_cpu_ms"].append((time.thread_time() - thread) * 1000)
                        out["cpu_ms"].append((cpu_seconds() - cpu) * 1000)
                        out["wall_ms"].append((time.perf_counter() - wall) * 1000)
        finally:
            store.close()
    return results


# -- running and reporting -----------------------------------------------------------------------
def git_revision(where: Path) -> str:
    try:
        return subprocess.run(
            ["git", "--no-optional-locks", "rev-parse", "--short", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def run_code(code: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One round of the measurement on the code at `code`, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code / "src"), str(ROOT)])}
    command = [
        sys.executable,
        "-m",
        "bench.projector_batch",
        "--worker",
        "--rounds",
        "1",
        "--sizes",
        ",".join(map(str, args.sizes)),
        "--history",
        str(args.history),
        "--threads",
        str(args.threads),
        "--memory-limit",
        args.memory_limit,
        "--scale",
        str(args.scale),
        "--seed",
        str(args.seed),
    ]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for size, figures in more["sizes"].items():
        target = into["sizes"].setdefault(
            size, {**figures, "wall_ms": [], "cpu_ms": [], "thread_cpu_ms": []}
        )
        for key in ("wall_ms", "cpu_ms", "thread_cpu_ms"):
            target[key] += figures[key]


def report(label: str, results: dict[str, Any]) -> str:
    lines = [
        f"**{label}**",
        "",
        "| events per batch | statements | DuckDB calls | wall ms | CPU ms (process) "
        "| CPU ms (calling thread) | CPU µs per event | batches |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, f in results["sizes"].items():
        cpu = statistics.median(f["cpu_ms"])
        lines.append(
            f"| {size} | {f['statements']:.1f} | {f['calls']:.1f} "
            f"| {statistics.median(f['wall_ms']):.1f} | {cpu:.1f} "
            f"| {statistics.median(f['thread_cpu_ms']):.1f} "
            f"| {cpu * 1000 / int(size):,.0f} | {len(f['cpu_ms'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--history", type=int, default=20_000, help="events applied first")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the default)")
    parser.add_argument("--memory-limit", default="64MB")
    parser.add_argument("--scale", type=int, default=100, help="percent of the batch counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--code",
        action="append",
        type=Path,
        default=[],
        help="a checkout whose code to measure (repeatable); default: this one",
    )
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.worker:
        print(json.dumps(measure(args)))
        return
    codes = [c.resolve() for c in args.code] or [ROOT]
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    results: dict[str, dict[str, Any]] = {str(c): {"sizes": {}} for c in codes}
    for round_no in range(args.rounds):
        for code in codes:
            print(f"round {round_no + 1}/{args.rounds}: {code}", file=sys.stderr)
            merge(results[str(code)], run_code(code, args))
    print(
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"load average before {[round(x, 2) for x in load_before]}, after "
        f"{[round(x, 2) for x in os.getloadavg()]}, Python {platform.python_version()}; "
        f"DuckDB threads={args.threads}, memory_limit={args.memory_limit}, "
        f"history {args.history} events, {args.rounds} rounds\n"
    )
    for code in codes:
        print(report(f"{code} (commit {git_revision(code)})", results[str(code)]) + "\n")
    if args.json:
        args.json.write_text(json.dumps({"started": started.isoformat(), "results": results}))


if __name__ == "__main__":
    main()
