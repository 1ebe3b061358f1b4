"""The order status workflow, cancellation and Idempotency-Key over HTTP, with the embedded
bus running, on SQLite and PostgreSQL. Billing moves orders to `invoiced` and `paid`."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product, stock_of
from tests.integration.orders.factories import (
    assert_problem,
    make_customer,
    make_order,
    order_of,
    place_order,
)


async def invoiced_order(
    client: httpx.AsyncClient, container: Container, *, on_hand: int = 10, qty: int = 4
) -> tuple[dict[str, Any], str]:
    """An order the bus has confirmed (stock reserved) and billing has invoiced."""
    product = await make_product(client, qty_on_hand=on_hand)
    customer = await make_customer(client)
    order = await make_order(client, customer["id"], [{"sku": product["sku"], "qty": qty}])
    assert await container.bus.drain()
    assert (await order_of(client, order["id"]))["status"] == "invoiced"
    return order, product["sku"]


async def move(client: httpx.AsyncClient, order_id: str, status: str) -> httpx.Response:
    return await client.patch(f"/orders/{order_id}", json={"status": status, "reason": "test"})


async def advance(
    client: httpx.AsyncClient, container: Container, order: dict[str, Any], status: str
) -> None:
    """Move an order on the way a user does: `paid` by paying its invoice, the rest by hand."""
    if status == "paid":
        invoices = await client.get(
            "/billing/invoices", params={"customer_id": order["customer_id"]}
        )
        (invoice,) = [i for i in invoices.json()["items"] if i["order_id"] == order["id"]]
        paid = await client.post(
            f"/billing/invoices/{invoice['id']}/pay",
            json={"amount": invoice["balance"], "method": "cash"},
        )
        assert paid.status_code == 201, paid.text
        assert await container.bus.drain()
    else:
        response = await move(client, order["id"], status)
        assert response.status_code == 200, response.text
    assert (await order_of(client, order["id"]))["status"] == status


async def test_full_workflow_ships_reserved_stock(
    client: httpx.AsyncClient, container: Container
) -> None:
    order, sku = await invoiced_order(client, container, on_hand=10, qty=4)
    for status in ("paid", "shipped"):
        await advance(client, container, order, status)
    assert await container.bus.drain()
    stock = await stock_of(client, sku)
    assert (stock["qty_on_hand"], stock["reserved_qty"], stock["available"]) == (6, 0, 6)
    shipment = (await client.get(f"/inventory/{sku}/movements")).json()["items"][0]
    assert (shipment["kind"], shipment["qty"]) == ("shipment", -4)
    assert shipment["order_id"] == order["id"]

    done = await move(client, order["id"], "completed")
    assert done.status_code == 200, done.text
    history = [(h["from_status"], h["to_status"]) for h in done.json()["history"]]
    assert history == [
        (None, "placed"),
        ("placed", "confirmed"),
        ("confirmed", "invoiced"),
        ("invoiced", "paid"),
        ("paid", "shipped"),
        ("shipped", "completed"),
    ]
    assert done.json()["history"][-1]["actor"] == "test-admin"
    assert await container.bus.drain()
    assert (await stock_of(client, sku))["qty_on_hand"] == 6  # completing moves no stock


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "invoiced"),  # billing's moves are not made by hand
        ([], "paid"),
        ([], "shipped"),
        ([], "completed"),
        ([], "confirmed"),
        ([], "placed"),
        (["paid"], "completed"),
        (["paid"], "invoiced"),
        (["paid", "shipped", "completed"], "shipped"),
        (["paid", "shipped", "completed"], "paid"),
    ],
)
async def test_illegal_moves_are_409(
    client: httpx.AsyncClient, container: Container, path: list[str], target: str
) -> None:
    order, _ = await invoiced_order(client, container)
    for status in path:
        await advance(client, container, order, status)
    before = await order_of(client, order["id"])
    body = assert_problem(await move(client, order["id"], target), 409, "illegal_transition")
    assert body["current_status"] == before["status"]
    assert target in body["detail"]
    after = await order_of(client, order["id"])
    assert (after["status"], len(after["history"])) == (before["status"], len(before["history"]))


async def test_completed_is_final(client: httpx.AsyncClient, container: Container) -> None:
    order, _ = await invoiced_order(client, container)
    for status in ("paid", "shipped", "completed"):
        await advance(client, container, order, status)
    for target in (
        "placed",
        "confirmed",
        "rejected",
        "invoiced",
        "paid",
        "shipped",
        "completed",
        "cancelled",
    ):
        assert_problem(await move(client, order["id"], target), 409, "illegal_transition")
    assert_problem(await client.post(f"/orders/{order['id']}/cancel", json={}), 409)
    assert (await order_of(client, order["id"]))["status"] == "completed"


async def test_placed_cannot_jump_and_confirmation_is_not_manual(
    client: httpx.AsyncClient, container: Container
) -> None:
    await container.bus.stop()  # keep the order in 'placed': nothing reserves it
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    order = await make_order(client, customer["id"], [{"sku": product["sku"], "qty": 1}])
    for target in ("shipped", "invoiced", "paid", "completed"):
        body = assert_problem(await move(client, order["id"], target), 409, "illegal_transition")
        assert body["current_status"] == "placed"
    for target in ("confirmed", "rejected", "invoiced", "paid"):
        body = assert_problem(await move(client, order["id"], target), 409, "illegal_transition")
        assert "not by hand" in body["detail"]
    assert (await order_of(client, order["id"]))["status"] == "placed"
    assert (await stock_of(client, product["sku"]))["reserved_qty"] == 0


async def test_rejected_is_final(client: httpx.AsyncClient, container: Container) -> None:
    product = await make_product(client, qty_on_hand=1)
    customer = await make_customer(client)
    order = await make_order(client, customer["id"], [{"sku": product["sku"], "qty": 2}])
    assert await container.bus.drain()
    for target in ("confirmed", "invoiced", "cancelled"):
        assert_problem(await move(client, order["id"], target), 409, "illegal_transition")
    assert (await order_of(client, order["id"]))["status"] == "rejected"


@pytest.mark.parametrize("path", [[], ["paid"]])
async def test_cancel_before_shipping_releases_stock(
    client: httpx.AsyncClient, container: Container, path: list[str]
) -> None:
    order, sku = await invoiced_order(client, container, on_hand=10, qty=4)
    for status in path:
        await advance(client, container, order, status)
    assert (await stock_of(client, sku))["available"] == 6
    response = await client.post(f"/orders/{order['id']}/cancel", json={"reason": "changed mind"})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "cancelled",
        "changed mind",
    )
    assert await container.bus.drain()
    stock = await stock_of(client, sku)
    assert (stock["qty_on_hand"], stock["reserved_qty"], stock["available"]) == (10, 0, 10)
    release = (await client.get(f"/inventory/{sku}/movements")).json()["items"][0]
    assert (release["kind"], release["qty"]) == ("release", -4)
    assert_problem(await client.post(f"/orders/{order['id']}/cancel"), 409, "illegal_transition")


async def test_cancel_through_patch(client: httpx.AsyncClient, container: Container) -> None:
    order, sku = await invoiced_order(client, container, on_hand=5, qty=5)
    response = await move(client, order["id"], "cancelled")
    assert response.status_code == 200, response.text
    assert await container.bus.drain()
    assert (await stock_of(client, sku))["available"] == 5


async def test_cancel_after_shipping_is_409(
    client: httpx.AsyncClient, container: Container
) -> None:
    order, sku = await invoiced_order(client, container, on_hand=10, qty=4)
    for status in ("paid", "shipped"):
        await advance(client, container, order, status)
    assert await container.bus.drain()
    body = assert_problem(
        await client.post(f"/orders/{order['id']}/cancel"), 409, "illegal_transition"
    )
    assert body["current_status"] == "shipped"
    assert_problem(await move(client, order["id"], "cancelled"), 409)
    assert await container.bus.drain()
    stock = await stock_of(client, sku)
    assert (stock["qty_on_hand"], stock["reserved_qty"]) == (6, 0)
    assert (await order_of(client, order["id"]))["status"] == "shipped"


async def test_cancel_before_reservation_leaves_nothing_reserved(
    client: httpx.AsyncClient, container: Container
) -> None:
    await container.bus.stop()
    product = await make_product(client, qty_on_hand=3)
    customer = await make_customer(client)
    order = await make_order(client, customer["id"], [{"sku": product["sku"], "qty": 3}])
    assert (await client.post(f"/orders/{order['id']}/cancel")).status_code == 200
    await container.bus.start()
    assert await container.bus.drain()
    assert (await order_of(client, order["id"]))["status"] == "cancelled"
    stock = await stock_of(client, product["sku"])
    assert (stock["reserved_qty"], stock["available"]) == (0, 3)


# -- Idempotency-Key -------------------------------------------------------------------------
async def test_same_key_and_body_gives_the_same_order(
    client_for: ClientFor, container: Container
) -> None:
    clerk = client_for("clerk")
    product = await make_product(client_for("admin"), qty_on_hand=10)
    customer = await make_customer(clerk)
    items = [{"sku": product["sku"], "qty": 2}]
    first = await place_order(clerk, customer["id"], items, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    again = await place_order(clerk, customer["id"], items, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert await container.bus.drain()
    listed = (await clerk.get("/orders")).json()
    assert listed["total"] == 1
    assert (await stock_of(clerk, product["sku"]))["reserved_qty"] == 2

    other_body = await place_order(
        clerk, customer["id"], [{"sku": product["sku"], "qty": 3}], **{"Idempotency-Key": "k-1"}
    )
    assert_problem(other_body, 422, "idempotency_key_reused")
    assert (await clerk.get("/orders")).json()["total"] == 1

    # A new key is a new order; the key belongs to its user, not to everyone.
    fresh = await place_order(clerk, customer["id"], items, **{"Idempotency-Key": "k-2"})
    someone_else = await place_order(
        client_for("clerk"), customer["id"], items, **{"Idempotency-Key": "k-1"}
    )
    ids = {first.json()["id"], fresh.json()["id"], someone_else.json()["id"]}
    assert len(ids) == 3
    assert (await clerk.get("/orders")).json()["total"] == 3


async def test_concurrent_retries_with_one_key_get_one_order(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    items = [{"sku": product["sku"], "qty": 1}]
    responses = await asyncio.gather(
        *(
            place_order(client, customer["id"], items, **{"Idempotency-Key": "retry-storm"})
            for _ in range(8)
        )
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await client.get("/orders")).json()["total"] == 1
    assert await container.bus.drain()
    assert (await stock_of(client, product["sku"]))["reserved_qty"] == 1


async def test_a_refused_order_does_not_burn_the_key(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    key = {"Idempotency-Key": "retry-me"}
    bad = await place_order(client, customer["id"], [{"sku": "NOPE", "qty": 1}], **key)
    assert_problem(bad, 422, "unknown_sku")
    good = await place_order(client, customer["id"], [{"sku": product["sku"], "qty": 1}], **key)
    assert good.status_code == 201, good.text


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there"])
async def test_bad_idempotency_keys_are_refused(client: httpx.AsyncClient, key: str) -> None:
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    response = await place_order(
        client, customer["id"], [{"sku": product["sku"], "qty": 1}], **{"Idempotency-Key": key}
    )
    assert_problem(response, 422)
    assert (await client.get("/orders")).json()["total"] == 0
