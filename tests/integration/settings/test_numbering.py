"""Document numbering: the next number never goes back, whatever races it."""

from __future__ import annotations

import asyncio

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.auth.conftest import assert_problem, events_of
from tests.integration.billing.factories import invoiced_order
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order


async def _series(client: object, name: str) -> dict[str, object]:
    listing = (await client.get("/settings/numbering")).json()  # type: ignore[attr-defined]
    return next(s for s in listing if s["series"] == name)


async def test_the_next_invoice_takes_the_new_prefix_and_number(
    client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    _, first = await invoiced_order(admin, container)
    assert first["number"] == "INV-000001"

    response = await admin.patch(
        "/settings/numbering/invoices", json={"prefix": "FAC-", "width": 8, "next_number": 500}
    )

    assert response.status_code == 200, response.text
    assert response.json()["next_formatted"] == "FAC-00000500"
    assert response.json()["gapless"] is True
    _, second = await invoiced_order(admin, container)
    assert second["number"] == "FAC-00000500"
    assert (await _series(client_for("viewer"), "invoices"))["next_number"] == 501
    [event] = await events_of(container, "settings.numbering_changed")
    assert event.payload["series"] == "invoices"
    assert event.payload["changes"]["next_number"] == [2, 500]
    assert event.payload["changes"]["prefix"] == ["INV-", "FAC-"]


async def test_the_next_number_never_goes_below_what_was_issued(
    client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    await invoiced_order(admin, container)
    await invoiced_order(admin, container)

    for value in (1, 2):
        problem = assert_problem(
            await admin.patch("/settings/numbering/invoices", json={"next_number": value}),
            409,
            "numbering_would_go_back",
        )
        assert problem["field"] == "next_number"
    assert (await _series(admin, "invoices"))["next_number"] == 3
    assert await events_of(container, "settings.numbering_changed") == []
    # Staying where it is, or going forward, is allowed.
    ok = await admin.patch("/settings/numbering/invoices", json={"next_number": 3})
    assert ok.status_code == 200, ok.text


async def test_order_numbers_follow_and_never_go_back(
    client_for: ClientFor, container: Container
) -> None:
    """Orders are drawn from a sequence on PostgreSQL and from blocks held in memory."""
    admin = client_for("admin")
    product = await make_product(admin, qty_on_hand=50)
    customer = await make_customer(admin)
    first = await make_order(admin, customer["id"], [{"sku": product["sku"], "qty": 1}])

    response = await admin.patch(
        "/settings/numbering/orders", json={"prefix": "ORD-", "next_number": 1000}
    )

    assert response.status_code == 200, response.text
    assert response.json()["gapless"] is False
    second = await make_order(admin, customer["id"], [{"sku": product["sku"], "qty": 1}])
    assert first["number"] == "SO-000001" and second["number"] == "ORD-001000"
    assert_problem(
        await admin.patch("/settings/numbering/orders", json={"next_number": 1000}),
        409,
        "numbering_would_go_back",
    )


async def test_concurrent_changes_only_move_forward(
    client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    targets = [40, 10, 30, 50, 20, 60, 15, 45]

    answers = await asyncio.gather(
        *(admin.patch("/settings/numbering/credit_notes", json={"next_number": n}) for n in targets)
    )

    applied = [n for n, r in zip(targets, answers, strict=True) if r.status_code == 200]
    refused = [n for n, r in zip(targets, answers, strict=True) if r.status_code == 409]
    assert len(applied) + len(refused) == len(targets), [r.text for r in answers]
    assert 60 in applied, "the highest can never be refused"
    assert (await _series(admin, "credit_notes"))["next_number"] == 60
    events = await events_of(container, "settings.numbering_changed")
    moves = [e.payload["changes"]["next_number"] for e in events]
    assert [after for _, after in moves] == sorted(after for _, after in moves)
    assert all(before < after for before, after in moves)
    assert len(events) == len(applied)


async def test_bad_numbering_is_refused(client_for: ClientFor, container: Container) -> None:
    admin = client_for("admin")
    for body in (
        {"prefix": "INV-1"},  # ends with a digit: INV-1 + 000005 would read as INV- + 1000005
        {"prefix": "IN/V"},
        {"prefix": "ELEVENCHARS"},
        {"width": 0},
        {"width": 11},
        {"next_number": 0},
        {"next_number": 3_000_000_000},
        {"next_number": "7"},
        {"prefix": None},
    ):
        assert_problem(await admin.patch("/settings/numbering/invoices", json=body), 422)
    assert_problem(await admin.patch("/settings/numbering/nothing", json={"width": 5}), 404)
    assert await events_of(container, "settings.numbering_changed") == []
