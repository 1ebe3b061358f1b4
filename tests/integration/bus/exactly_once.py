"""What "nothing lost, nothing applied twice" means for the order flow, checked on the
business database after a run in which processes were killed: shared by the crash test and
the NATS cluster failover test."""

from __future__ import annotations

from collections.abc import Iterable

from pulse.bootstrap import Container
from tests.integration.bus import support

# Each consumer has handled every event of the types it reacts to, and no order waits.
SETTLED = {
    "SELECT count(*) FROM orders WHERE status = 'placed'": 0,
    "SELECT count(*) FROM outbox WHERE published_at IS NULL": 0,
    "SELECT (SELECT count(*) FROM processed_events WHERE consumer = 'inventory')"
    " - (SELECT count(*) FROM outbox WHERE type = 'order.created')": 0,
    "SELECT (SELECT count(*) FROM processed_events WHERE consumer = 'orders')"
    " - (SELECT count(*) FROM outbox WHERE type LIKE 'stock.reserv%'"
    " OR type = 'invoice.issued')": 0,
    "SELECT (SELECT count(*) FROM processed_events WHERE consumer = 'billing')"
    " - (SELECT count(*) FROM outbox WHERE type = 'order.confirmed')": 0,
    "SELECT (SELECT count(*) FROM processed_events WHERE consumer = 'documents')"
    " - (SELECT count(*) FROM outbox WHERE type = 'invoice.issued')": 0,
    "SELECT count(*) FROM orders WHERE status = 'confirmed'": 0,
}


async def flow_settled(container: Container) -> bool:
    for sql, expected in SETTLED.items():
        if await support.scalar(container, sql) != expected:
            return False
    return True


async def assert_each_order_once(
    container: Container, *, orders: int, skus: Iterable[str], stream: bool
) -> None:
    """Every order decided once, every confirmed one invoiced once under gapless numbers and
    booked once in a balanced ledger, every event once in the outbox (and, with `stream`, once
    in the NATS stream)."""
    q = support.scalar
    assert await q(container, "SELECT count(*) FROM orders") == orders
    # Confirmed orders have moved on to invoiced.
    confirmed = await q(container, "SELECT count(*) FROM orders WHERE status = 'invoiced'")
    rejected = await q(container, "SELECT count(*) FROM orders WHERE status = 'rejected'")
    assert confirmed + rejected == orders
    assert confirmed > 0 and rejected > 0, "the stock should serve some orders, not all"

    decided = await support.rows(
        container,
        """
        SELECT order_id, count(*) FROM order_status_history
        WHERE to_status IN ('confirmed', 'rejected') GROUP BY order_id""",
    )
    assert len(decided) == orders
    assert {count for _, count in decided} == {1}

    reserved = dict(await support.rows(container, "SELECT sku, reserved_qty FROM stock_levels"))
    wanted = dict(
        await support.rows(
            container,
            """
        SELECT l.sku, sum(l.qty) FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE o.status = 'invoiced' GROUP BY l.sku""",
        )
    )
    assert reserved == {sku: int(wanted.get(sku, 0)) for sku in skus}
    confirmed_lines = await q(
        container,
        """
        SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE o.status = 'invoiced'""",
    )
    assert (
        await q(container, "SELECT count(*) FROM stock_movements WHERE kind = 'reservation'")
        == confirmed_lines
    )

    # Each decision was taken once, so each of its events exists once.
    events = dict(await support.rows(container, "SELECT type, count(*) FROM outbox GROUP BY type"))
    assert events["order.created"] == orders
    assert events["stock.reserved"] == events["order.confirmed"] == confirmed
    assert events["stock.reservation_failed"] == events["order.rejected"] == rejected
    assert events["invoice.issued"] == confirmed

    # One invoice per confirmed order, numbered without gaps, each booked once, each rendered.
    assert await q(container, "SELECT count(DISTINCT order_id) FROM invoices") == confirmed
    numbers = sorted(
        int(number.removeprefix("INV-"))
        for (number,) in await support.rows(container, "SELECT number FROM invoices")
    )
    assert numbers == list(range(1, confirmed + 1))
    assert (
        await q(container, "SELECT count(*) FROM journal_entries WHERE source_type = 'invoice'")
        == confirmed
    )
    pdfs = list((container.settings.data_dir / "objects" / "invoices").glob("*/r1.pdf"))
    assert len(pdfs) == confirmed

    # The ledger balances, entry by entry, and holds each invoice's total once.
    unbalanced = await support.rows(
        container,
        "SELECT entry_id FROM journal_lines GROUP BY entry_id HAVING sum(debit) <> sum(credit)",
    )
    assert unbalanced == []
    debits, credits = (
        await support.rows(container, "SELECT sum(debit), sum(credit) FROM journal_lines")
    )[0]
    assert debits == credits == await q(container, "SELECT sum(total) FROM invoices")

    duplicates = await support.rows(
        container,
        """
        SELECT consumer, event_id FROM processed_events
        GROUP BY consumer, event_id HAVING count(*) > 1""",
    )
    assert duplicates == []
    assert await q(container, "SELECT count(*) FROM dead_letters") == 0
    if stream:
        assert await support.stream_messages(container.settings) == sum(events.values())
