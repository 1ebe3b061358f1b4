"""`python -m bench.steps`: CPU and SQL statements per order of each step of the order →
invoice pipeline, in-process on a fresh SQLite file, no HTTP and no bus — where the flow's
CPU goes.

Placing an order runs the use case the API runs, each order in its own unit of work. Every
later stage is a consumer's work: its `ConsumerRunner` is handed the events of that stage
`--batch` at a time, as the bus hands them over (inbox, handlers, commit). The median over
rounds of the process CPU time per order (ms) and of the statements sent per order (every
cursor execution, BEGIN included, plus COMMIT) is reported.
`--record` saves bench/results/<date>-stages.json and rewrites the "stages" section of
docs/PERFORMANCE.md; the first recorded run (or `--baseline`) also becomes
bench/results/stages-baseline.json, the "before" column that later runs are set against.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, select

from bench import stages_report
from bench.harness import cli
from pulse import bootstrap
from pulse.billing.documents import Documents, fixed_company
from pulse.billing.pdf import Company
from pulse.bootstrap import EVENT_CLASSES
from pulse.inventory import service as inventory_service
from pulse.inventory.schemas import ProductCreate
from pulse.orders import customers
from pulse.orders import service as order_service
from pulse.orders.schemas import CustomerCreate, OrderCreate
from pulse.platform.consumers import ConsumerRunner
from pulse.platform.db import Database
from pulse.platform.events import EventRegistry
from pulse.platform.migrate import upgrade
from pulse.platform.outbox import OutboxRecord
from pulse.platform.storage import LocalObjectStore
from pulse.platform.uow import UnitOfWorkFactory


class Statements:
    """Counts what the engine sends to the database: cursor executions and commits."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._one)
        event.listen(db.engine.sync_engine, "commit", self._one)

    def _one(self, *_: object) -> None:
        self.count += 1


Step = tuple[float, float, float]  # CPU ms, statements and wall ms per order


async def _per_order(
    factory: UnitOfWorkFactory,
    counter: Statements,
    ids: list[uuid.UUID],
    step: Callable[..., Awaitable[object]],
    *,
    readonly: bool = False,
) -> Step:
    sent = counter.count
    start, wall = time.process_time(), time.perf_counter()
    for item in ids:
        async with factory(actor="bench", readonly=readonly) as uow:
            await step(uow, item)
            if not readonly:
                await uow.commit()
    cpu_ms = (time.process_time() - start) * 1000 / len(ids)
    wall_ms = (time.perf_counter() - wall) * 1000 / len(ids)
    return cpu_ms, (counter.count - sent) / len(ids), wall_ms


# (stage, consumer, the event it applies), in the order of the flow.
STAGES = (
    ("reserve stock", "inventory", "order.created"),
    ("confirm order", "orders", "stock.reserved"),
    ("issue invoice", "billing", "order.confirmed"),
    ("mark invoiced", "orders", "invoice.issued"),
    ("render + store PDF", "documents", "invoice.issued"),
)


async def _consumer_stage(
    factory: UnitOfWorkFactory,
    counter: Statements,
    runner: ConsumerRunner,
    event_type: str,
    batch: int,
) -> Step:
    """The consumer applies every event of `event_type` on the outbox, `batch` at a time, as
    the bus hands them over (inbox, handlers, commit: `ConsumerRunner.process`)."""
    async with factory(readonly=True) as uow:
        records = (
            (
                await uow.session.execute(
                    select(OutboxRecord)
                    .where(OutboxRecord.type == event_type)
                    .order_by(OutboxRecord.pk)
                )
            )
            .scalars()
            .all()
        )
        envelopes = [record.envelope() for record in records]
    sent = counter.count
    start, wall = time.process_time(), time.perf_counter()
    for first in range(0, len(envelopes), batch):
        await runner.process(envelopes[first : first + batch])
    cpu_ms = (time.process_time() - start) * 1000 / len(envelopes)
    wall_ms = (time.perf_counter() - wall) * 1000 / len(envelopes)
    return cpu_ms, (counter.count - sent) / len(envelopes), wall_ms


async def one_round(
    folder: Path, orders: int, batch: int, render_processes: int = 0
) -> dict[str, Step]:
    url = f"sqlite+aiosqlite:///{folder / 'pulse.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    factory = UnitOfWorkFactory(db, sequence_inline=True)
    counter = Statements(db)
    try:
        async with factory(actor="bench") as uow:
            customer = await customers.create_customer(
                uow, CustomerCreate(name="Bench", email="bench@example.com")
            )
            for sku in ("A", "B"):
                await inventory_service.create_product(
                    uow,
                    ProductCreate(
                        sku=sku,
                        name=f"Product {sku}",
                        price=Decimal("9.99"),
                        tax_rate=Decimal("0.2"),
                        qty_on_hand=10 * orders,
                    ),
                )
            await uow.commit()
        data = OrderCreate(
            customer_id=customer.id, items=[{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]
        )
        ids: list[uuid.UUID] = []

        async def place(uow: object, _: object) -> None:
            order = await order_service.place_order(uow, data, can_override_price=False)  # type: ignore[arg-type]
            ids.append(order.id)

        result = {"place order": await _per_order(factory, counter, list(range(orders)), place)}  # type: ignore[arg-type]
        documents = Documents(
            LocalObjectStore(folder / "objects"),
            fixed_company(Company("Bench Ltd", "1 Street", "", "", "EUR")),
            render_processes=render_processes,
        )
        registry = EventRegistry()
        registry.register(*EVENT_CLASSES)
        runners = {
            c.name: ConsumerRunner(c, factory, registry) for c in bootstrap.consumers(documents)
        }
        # What each consumer reacts to in the flow, in the flow's order.
        for stage, consumer, event_type in STAGES:
            result[stage] = await _consumer_stage(
                factory, counter, runners[consumer], event_type, batch
            )
        documents.close()
        return result
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = cli.parser("steps", __doc__, whole_doc=True)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--batch", type=int, default=100, help="events a consumer is handed at once (100)"
    )
    parser.add_argument(
        "--render-processes",
        type=int,
        default=0,
        help="PDFs rendered in this many processes (their CPU is not counted); 0: in-process",
    )
    parser.add_argument("--record", action="store_true", help="save results, rewrite the docs")
    parser.add_argument(
        "--baseline", action="store_true", help="with --record: this run becomes the 'before'"
    )
    args = parser.parse_args(argv)
    rounds = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="pulse-bench-steps-") as folder:
            rounds.append(
                asyncio.run(one_round(Path(folder), args.orders, args.batch, args.render_processes))
            )
    steps = {
        step: {
            "cpu_ms": round(statistics.median(r[step][0] for r in rounds), 3),
            "statements": round(statistics.median(r[step][1] for r in rounds), 2),
            "wall_ms": round(statistics.median(r[step][2] for r in rounds), 3),
        }
        for step in rounds[0]
    }
    print(f"per order, median of {args.rounds} rounds of {args.orders} orders:")
    print(f"  {'step':<20} {'CPU ms':>7} {'statements':>10} {'wall ms':>8}")
    for step, row in steps.items():
        print(f"  {step:<20} {row['cpu_ms']:7.2f} {row['statements']:10.2f} {row['wall_ms']:8.2f}")
    print(
        f"  {'all steps':<20} {sum(r['cpu_ms'] for r in steps.values()):7.2f} "
        f"{sum(r['statements'] for r in steps.values()):10.2f} "
        f"{sum(r['wall_ms'] for r in steps.values()):8.2f}"
    )
    if args.record:
        stages_report.record(steps, args, argv)


if __name__ == "__main__":
    main()
