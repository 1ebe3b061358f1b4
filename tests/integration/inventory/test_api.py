"""The inventory API over HTTP against a real database: catalogue, stock changes, holds,
movements and low-stock, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product, new_sku, stock_of
from tests.integration.orders.factories import assert_problem


async def movements_of(client: httpx.AsyncClient, sku: str, **params: int) -> dict:
    response = await client.get(f"/inventory/{sku}/movements", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- catalogue -------------------------------------------------------------------------------
async def test_create_then_get_keeps_money_exact(client: httpx.AsyncClient) -> None:
    sku = new_sku()
    created = await make_product(
        client,
        sku=sku,
        name="Bolt M8",
        description="zinc",
        price="12.35",
        tax_rate="0.0725",
        qty_on_hand=5,
        reorder_point=2,
        reorder_qty=20,
        lead_time_days=7,
    )
    assert created["sku"] == sku
    fetched = await stock_of(client, sku)
    for body in (created, fetched):
        assert body["price"] == "12.35"
        assert Decimal(body["tax_rate"]) == Decimal("0.0725")
        assert (body["qty_on_hand"], body["reserved_qty"], body["available"]) == (5, 0, 5)
        assert (body["reorder_point"], body["reorder_qty"], body["lead_time_days"]) == (2, 20, 7)
        assert body["active"] is True and body["low_stock"] is False
    history = await movements_of(client, sku)
    assert history["total"] == 1
    assert history["items"][0]["kind"] == "receipt"
    assert history["items"][0]["qty"] == 5


async def test_product_without_opening_stock_has_no_movement(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=0)
    assert (await movements_of(client, product["sku"]))["total"] == 0


async def test_duplicate_sku_is_a_conflict(client: httpx.AsyncClient) -> None:
    product = await make_product(client, price="3.00")
    again = await client.post(
        "/inventory", json={"sku": product["sku"], "name": "Other", "price": "9.99"}
    )
    assert_problem(again, 409, "duplicate_sku")
    assert (await stock_of(client, product["sku"]))["price"] == "3.00"


async def test_a_sku_that_names_a_route_is_refused(client: httpx.AsyncClient) -> None:
    # GET /inventory/low-stock is the low-stock list: a product of that SKU could never be read.
    refused = await client.post(
        "/inventory", json={"sku": "low-stock", "name": "Shadowed", "price": "1.00"}
    )
    body = assert_problem(refused, 422)
    assert body["field"] == "sku" and "reserved" in body["detail"]
    listed = (await client.get("/inventory", params={"q": "Shadowed"})).json()
    assert listed["total"] == 0


async def test_unknown_sku_is_404(client: httpx.AsyncClient) -> None:
    for method, path, body in [
        ("GET", "/inventory/NOPE-1", None),
        ("PATCH", "/inventory/NOPE-1", {"price": "1.00"}),
        ("POST", "/inventory/NOPE-1/receive", {"qty": 1}),
        ("POST", "/inventory/NOPE-1/adjust", {"delta": 1, "reason": "count"}),
        ("POST", "/inventory/NOPE-1/reserve", {"qty": 1}),
        ("POST", "/inventory/NOPE-1/release", {"reservation_id": str(uuid.uuid4())}),
        ("GET", "/inventory/NOPE-1/movements", None),
    ]:
        response = await client.request(method, path, json=body)
        assert_problem(response, 404, "not_found")


async def test_patch_changes_only_the_given_fields(client: httpx.AsyncClient) -> None:
    product = await make_product(client, name="Old name", price="5.00", qty_on_hand=4)
    response = await client.patch(
        f"/inventory/{product['sku']}", json={"price": "5.55", "reorder_point": 3, "active": False}
    )
    assert response.status_code == 200, response.text
    after = await stock_of(client, product["sku"])
    assert after["price"] == "5.55"
    assert after["reorder_point"] == 3
    assert after["active"] is False
    assert after["name"] == "Old name"
    assert after["qty_on_hand"] == 4


async def test_patch_refuses_null_and_stock_fields(client: httpx.AsyncClient) -> None:
    product = await make_product(client, price="5.00", qty_on_hand=4)
    assert_problem(await client.patch(f"/inventory/{product['sku']}", json={"price": None}), 422)
    # On-hand stock only moves through receipts and adjustments, which leave a movement.
    assert_problem(
        await client.patch(f"/inventory/{product['sku']}", json={"qty_on_hand": 99}), 422
    )
    after = await stock_of(client, product["sku"])
    assert (after["price"], after["qty_on_hand"]) == ("5.00", 4)


async def test_list_search_and_pagination(client: httpx.AsyncClient) -> None:
    skus = [f"PAGE-{i}" for i in range(5)]
    for i, sku in enumerate(skus):
        await make_product(client, sku=sku, name=f"Gadget {i}" if i % 2 else f"Gizmo {i}")
    await make_product(client, sku="OTHER-1", name="Lamp")

    everything = (await client.get("/inventory", params={"limit": 500})).json()
    assert everything["total"] == 6
    assert [item["sku"] for item in everything["items"]] == sorted(skus + ["OTHER-1"])

    page = (await client.get("/inventory", params={"q": "page-", "limit": 2, "offset": 2})).json()
    assert page["total"] == 5
    assert (page["limit"], page["offset"]) == (2, 2)
    assert [item["sku"] for item in page["items"]] == skus[2:4]

    by_name = (await client.get("/inventory", params={"q": "GIZMO"})).json()
    assert sorted(item["sku"] for item in by_name["items"]) == ["PAGE-0", "PAGE-2", "PAGE-4"]

    past_end = (await client.get("/inventory", params={"q": "page-", "offset": 10})).json()
    assert past_end["items"] == [] and past_end["total"] == 5


async def test_list_filters_on_active(client: httpx.AsyncClient) -> None:
    live = await make_product(client)
    retired = await make_product(client, active=False)
    active = (await client.get("/inventory", params={"active": "true"})).json()
    inactive = (await client.get("/inventory", params={"active": "false"})).json()
    assert [item["sku"] for item in active["items"]] == [live["sku"]]
    assert [item["sku"] for item in inactive["items"]] == [retired["sku"]]


# -- on-hand changes -------------------------------------------------------------------------
async def test_receive_adds_stock_and_records_a_movement(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=2)
    response = await client.post(
        f"/inventory/{product['sku']}/receive", json={"qty": 7, "reason": "PO-17"}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["qty_on_hand"], response.json()["available"]) == (9, 9)
    newest = (await movements_of(client, product["sku"]))["items"][0]
    assert (newest["kind"], newest["qty"], newest["on_hand_after"]) == ("receipt", 7, 9)
    assert newest["reason"] == "PO-17"
    assert newest["actor"] == "test-admin"


async def test_adjust_both_ways(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=10)
    down = await client.post(
        f"/inventory/{product['sku']}/adjust", json={"delta": -4, "reason": "breakage"}
    )
    assert down.status_code == 200, down.text
    assert down.json()["qty_on_hand"] == 6
    up = await client.post(
        f"/inventory/{product['sku']}/adjust", json={"delta": 3, "reason": "stock take"}
    )
    assert up.json()["qty_on_hand"] == 9
    kinds = [(m["kind"], m["qty"]) for m in (await movements_of(client, product["sku"]))["items"]]
    assert kinds == [("adjustment", 3), ("adjustment", -4), ("receipt", 10)]


async def test_adjust_cannot_go_below_reserved(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=10)
    sku = product["sku"]
    hold = await client.post(f"/inventory/{sku}/reserve", json={"qty": 6})
    assert hold.status_code == 201, hold.text
    before = await movements_of(client, sku)

    refused = await client.post(f"/inventory/{sku}/adjust", json={"delta": -5, "reason": "lost"})
    body = assert_problem(refused, 409, "insufficient_stock")
    assert "reserved" in body["detail"] and body["field"] == "delta"
    assert_problem(
        await client.post(f"/inventory/{sku}/adjust", json={"delta": -11, "reason": "lost"}), 409
    )
    after = await stock_of(client, sku)
    assert (after["qty_on_hand"], after["reserved_qty"], after["available"]) == (10, 6, 4)
    assert (await movements_of(client, sku))["total"] == before["total"]

    allowed = await client.post(f"/inventory/{sku}/adjust", json={"delta": -4, "reason": "lost"})
    assert allowed.status_code == 200, allowed.text
    assert (allowed.json()["qty_on_hand"], allowed.json()["available"]) == (6, 0)


async def test_adjust_by_zero_is_refused(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=1)
    assert_problem(
        await client.post(f"/inventory/{product['sku']}/adjust", json={"delta": 0, "reason": "x"}),
        422,
    )


# -- holds -----------------------------------------------------------------------------------
async def test_reserve_then_release(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=5)
    sku = product["sku"]
    held = await client.post(f"/inventory/{sku}/reserve", json={"qty": 3, "reference": "counter"})
    assert held.status_code == 201, held.text
    hold = held.json()
    assert hold["qty"] == 3 and hold["sku"] == sku
    assert (hold["stock"]["reserved_qty"], hold["stock"]["available"]) == (3, 2)

    short = await client.post(f"/inventory/{sku}/reserve", json={"qty": 3})
    body = assert_problem(short, 409, "insufficient_stock")
    assert body["available"] == 2
    assert (await stock_of(client, sku))["reserved_qty"] == 3

    released = await client.post(
        f"/inventory/{sku}/release", json={"reservation_id": hold["reservation_id"]}
    )
    assert released.status_code == 200, released.text
    assert (released.json()["reserved_qty"], released.json()["available"]) == (0, 5)

    again = await client.post(
        f"/inventory/{sku}/release", json={"reservation_id": hold["reservation_id"]}
    )
    assert_problem(again, 404)
    kinds = [(m["kind"], m["qty"]) for m in (await movements_of(client, sku))["items"]]
    assert kinds == [("release", -3), ("reservation", 3), ("receipt", 5)]


async def test_release_under_another_sku_changes_nothing(client: httpx.AsyncClient) -> None:
    first = await make_product(client, qty_on_hand=5)
    second = await make_product(client, qty_on_hand=5)
    hold = (await client.post(f"/inventory/{first['sku']}/reserve", json={"qty": 2})).json()
    wrong = await client.post(
        f"/inventory/{second['sku']}/release", json={"reservation_id": hold["reservation_id"]}
    )
    assert_problem(wrong, 404)
    assert (await stock_of(client, first["sku"]))["reserved_qty"] == 2
    assert (await stock_of(client, second["sku"]))["reserved_qty"] == 0


async def test_movements_page_newest_first(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=1)
    for qty in (2, 3, 4):
        await client.post(f"/inventory/{product['sku']}/receive", json={"qty": qty})
    page = await movements_of(client, product["sku"], limit=2, offset=1)
    assert page["total"] == 4
    assert [m["qty"] for m in page["items"]] == [3, 2]
    assert [m["on_hand_after"] for m in page["items"]] == [6, 3]


# -- low stock -------------------------------------------------------------------------------
async def test_low_stock_lists_what_is_at_or_below_its_reorder_point(
    client: httpx.AsyncClient,
) -> None:
    low = await make_product(client, qty_on_hand=3, reorder_point=5)
    at_point = await make_product(client, qty_on_hand=5, reorder_point=5)
    plenty = await make_product(client, qty_on_hand=50, reorder_point=5)
    await make_product(client, qty_on_hand=0, reorder_point=5, active=False)

    listed = (await client.get("/inventory/low-stock")).json()
    assert sorted(item["sku"] for item in listed["items"]) == sorted([low["sku"], at_point["sku"]])
    assert listed["total"] == 2
    assert all(item["low_stock"] for item in listed["items"])

    # The stock list filters the same way, with a search and the active flag on top.
    filtered = await client.get(
        "/inventory", params={"low_stock": "true", "active": "true", "q": low["sku"]}
    )
    assert [item["sku"] for item in filtered.json()["items"]] == [low["sku"]]
    every_low = await client.get("/inventory", params={"low_stock": "true", "active": "true"})
    assert {i["sku"] for i in every_low.json()["items"]} == {low["sku"], at_point["sku"]}

    # Reserved units are not available, so a big hold makes a full shelf low.
    await client.post(f"/inventory/{plenty['sku']}/reserve", json={"qty": 46})
    listed = (await client.get("/inventory/low-stock")).json()
    assert plenty["sku"] in {item["sku"] for item in listed["items"]}


# -- permissions -----------------------------------------------------------------------------
async def test_viewer_reads_but_cannot_write(client_for: ClientFor) -> None:
    admin, viewer = client_for("admin"), client_for("viewer")
    product = await make_product(admin, qty_on_hand=5)
    sku = product["sku"]
    for path in (
        "/inventory",
        f"/inventory/{sku}",
        f"/inventory/{sku}/movements",
        "/inventory/low-stock",
    ):
        assert (await viewer.get(path)).status_code == 200, path
    writes = [
        ("POST", "/inventory", {"sku": new_sku(), "name": "X", "price": "1.00"}),
        ("PATCH", f"/inventory/{sku}", {"price": "1.00"}),
        ("POST", f"/inventory/{sku}/receive", {"qty": 1}),
        ("POST", f"/inventory/{sku}/adjust", {"delta": -1, "reason": "x"}),
        ("POST", f"/inventory/{sku}/reserve", {"qty": 1}),
        ("POST", f"/inventory/{sku}/release", {"reservation_id": str(uuid.uuid4())}),
    ]
    for method, path, body in writes:
        assert_problem(await viewer.request(method, path, json=body), 403, "forbidden")
    after = await stock_of(admin, sku)
    assert (after["qty_on_hand"], after["reserved_qty"], after["price"]) == (5, 0, "10.00")
    assert (await admin.get("/inventory")).json()["total"] == 1


async def test_clerk_may_reserve_but_accountant_may_not(client_for: ClientFor) -> None:
    product = await make_product(client_for("admin"), qty_on_hand=5)
    path = f"/inventory/{product['sku']}/reserve"
    assert (await client_for("clerk").post(path, json={"qty": 1})).status_code == 201
    assert_problem(await client_for("accountant").post(path, json={"qty": 1}), 403)
    assert (await stock_of(client_for("viewer"), product["sku"]))["reserved_qty"] == 1


async def test_no_token_is_401(client_for: ClientFor) -> None:
    anonymous = client_for(None)
    for method, path in [
        ("GET", "/inventory"),
        ("GET", "/inventory/X"),
        ("POST", "/inventory"),
        ("POST", "/inventory/X/reserve"),
    ]:
        response = await anonymous.request(method, path, json={})
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
    bad = client_for(None)
    bad.headers["Authorization"] = "Bearer not-a-token"
    assert_problem(await bad.get("/inventory"), 401, "invalid_token")


async def test_manual_release_cannot_free_an_orders_reservation(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=5)
    customer = await client.post(
        "/customers", json={"name": "Holder", "email": "holder@example.com"}
    )
    order = await client.post(
        "/orders",
        json={"customer_id": customer.json()["id"], "items": [{"sku": product["sku"], "qty": 2}]},
    )
    assert order.status_code == 201, order.text
    assert await container.bus.drain(10)
    attempt = await client.post(
        f"/inventory/{product['sku']}/release", json={"reservation_id": order.json()["id"]}
    )
    assert attempt.status_code == 404
    assert attempt.headers["content-type"] == "application/problem+json"
    stock = await stock_of(client, product["sku"])
    assert (stock["reserved_qty"], stock["available"]) == (2, 3)
