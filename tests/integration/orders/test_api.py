"""Customers and orders over HTTP against a real database, with the embedded bus and every
consumer running: placing, pricing, totals, listing and permissions, on SQLite and PostgreSQL.
The status workflow and idempotency live in test_workflow.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import httpx

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product, stock_of
from tests.integration.orders.factories import (
    assert_problem,
    make_customer,
    make_order,
    new_email,
    order_of,
    place_order,
)


async def order_count(client: httpx.AsyncClient, **params: str) -> int:
    response = await client.get("/orders", params=params)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


# -- customers -------------------------------------------------------------------------------
async def test_customer_create_get_patch_list(client: httpx.AsyncClient) -> None:
    created = await make_customer(
        client,
        name="Acme Ltd",
        email="Buyer@Acme.example.com",
        code="ACME",
        phone="+1 555 0100",
    )
    assert created["payment_terms_days"] == 30
    assert created["billing_address"] == ""
    fetched = (await client.get(f"/customers/{created['id']}")).json()
    assert fetched == created

    patched = await client.patch(
        f"/customers/{created['id']}", json={"name": "Acme Limited", "payment_terms_days": 14}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["payment_terms_days"]) == ("Acme Limited", 14)
    assert patched.json()["code"] == "ACME"
    assert (await client.get(f"/customers/{created['id']}")).json()["name"] == "Acme Limited"

    await make_customer(client, name="Zenith Corp")
    everything = (await client.get("/customers")).json()
    assert everything["total"] == 2
    assert [c["name"] for c in everything["items"]] == ["Acme Limited", "Zenith Corp"]
    found = (await client.get("/customers", params={"q": "acme"})).json()
    assert [c["id"] for c in found["items"]] == [created["id"]]
    paged = (await client.get("/customers", params={"limit": 1, "offset": 1})).json()
    assert [c["name"] for c in paged["items"]] == ["Zenith Corp"] and paged["total"] == 2


async def test_duplicate_email_and_code_are_conflicts(client: httpx.AsyncClient) -> None:
    first = await make_customer(client, email="dup@example.com", code="C1")
    other = await make_customer(client)
    again = await client.post("/customers", json={"name": "Again", "email": "DUP@example.com"})
    assert_problem(again, 409, "duplicate_email")
    same_code = await client.post(
        "/customers", json={"name": "Again", "email": new_email(), "code": "C1"}
    )
    assert_problem(same_code, 409, "duplicate_code")
    steal = await client.patch(f"/customers/{other['id']}", json={"email": "dup@example.com"})
    assert_problem(steal, 409, "duplicate_email")
    assert (await client.get("/customers")).json()["total"] == 2
    assert (await client.get(f"/customers/{other['id']}")).json()["email"] == other["email"]
    # Keeping one's own email is not a conflict.
    keep = await client.patch(f"/customers/{first['id']}", json={"email": "dup@example.com"})
    assert keep.status_code == 200, keep.text


async def test_unknown_customer_is_404(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    assert_problem(await client.get(f"/customers/{missing}"), 404, "not_found")
    assert_problem(await client.patch(f"/customers/{missing}", json={"name": "X"}), 404)


# -- placing ---------------------------------------------------------------------------------
async def test_order_is_confirmed_once_stock_is_reserved(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    response = await place_order(client, customer["id"], [{"sku": product["sku"], "qty": 3}])
    assert response.status_code == 201, response.text
    placed = response.json()
    assert placed["status"] == "placed"
    assert placed["number"].startswith("SO-") and placed["number"][3:].isdigit()
    assert placed["created_by"] == "test-admin"

    assert await container.bus.drain()
    order = await order_of(client, placed["id"])
    assert order["status"] == "invoiced"  # confirmed, then invoiced by billing
    assert [(h["from_status"], h["to_status"]) for h in order["history"]] == [
        (None, "placed"),
        ("placed", "confirmed"),
        ("confirmed", "invoiced"),
    ]
    stock = await stock_of(client, product["sku"])
    assert (stock["qty_on_hand"], stock["reserved_qty"], stock["available"]) == (10, 3, 7)


async def test_order_numbers_are_consecutive(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=10)
    customer = await make_customer(client)
    numbers = [
        (await make_order(client, customer["id"], [{"sku": product["sku"], "qty": 1}]))["number"]
        for _ in range(3)
    ]
    values = [int(n.removeprefix("SO-")) for n in numbers]
    assert values == [values[0], values[0] + 1, values[0] + 2]


async def test_not_enough_stock_rejects_the_whole_order(
    client: httpx.AsyncClient, container: Container
) -> None:
    plenty = await make_product(client, qty_on_hand=10)
    scarce = await make_product(client, qty_on_hand=1)
    customer = await make_customer(client)
    placed = await make_order(
        client,
        customer["id"],
        [
            {"sku": plenty["sku"], "qty": 2},
            {"sku": scarce["sku"], "qty": 2},
        ],
    )
    assert await container.bus.drain()
    order = await order_of(client, placed["id"])
    assert order["status"] == "rejected"
    assert scarce["sku"] in order["status_reason"]
    assert "2 wanted, 1 available" in order["status_reason"]
    assert plenty["sku"] not in order["status_reason"]
    for product, on_hand in ((plenty, 10), (scarce, 1)):
        stock = await stock_of(client, product["sku"])
        assert (stock["qty_on_hand"], stock["reserved_qty"]) == (on_hand, 0)


async def test_same_sku_on_two_lines_is_reserved_together(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=5)
    customer = await make_customer(client)
    too_many = await make_order(
        client,
        customer["id"],
        [
            {"sku": product["sku"], "qty": 3},
            {"sku": product["sku"], "qty": 3},
        ],
    )
    fits = await make_order(
        client,
        customer["id"],
        [
            {"sku": product["sku"], "qty": 2},
            {"sku": product["sku"], "qty": 3},
        ],
    )
    assert await container.bus.drain()
    assert (await order_of(client, too_many["id"]))["status"] == "rejected"
    assert (await order_of(client, fits["id"]))["status"] == "invoiced"
    assert (await stock_of(client, product["sku"]))["available"] == 0


async def test_unit_price_defaults_to_the_catalogue(client: httpx.AsyncClient) -> None:
    product = await make_product(client, price="7.25", tax_rate="0.1000", qty_on_hand=5)
    customer = await make_customer(client)
    order = await make_order(client, customer["id"], [{"sku": product["sku"], "qty": 2}])
    line = order["lines"][0]
    assert (line["unit_price"], line["line_total"], line["line_tax"]) == ("7.25", "14.50", "1.45")
    assert line["name"] == product["name"]
    # A later price change does not reprice an existing order.
    await client.patch(f"/inventory/{product['sku']}", json={"price": "9.00"})
    assert (await order_of(client, order["id"]))["lines"][0]["unit_price"] == "7.25"


async def test_price_override_needs_the_permission(client_for: ClientFor) -> None:
    admin, clerk = client_for("admin"), client_for("clerk")
    product = await make_product(admin, price="10.00", qty_on_hand=50)
    customer = await make_customer(admin)
    cheaper = [{"sku": product["sku"], "qty": 1, "price": "8.00"}]

    refused = await place_order(clerk, customer["id"], cheaper)
    body = assert_problem(refused, 403, "forbidden")
    assert "orders:override_price" in body["detail"]
    assert body["field"] == "items.0.price"
    assert await order_count(admin) == 0

    # Naming the catalogue price is not an override.
    same = await place_order(clerk, customer["id"], [{**cheaper[0], "price": "10.00"}])
    assert same.status_code == 201, same.text

    for role in ("accountant", "admin"):
        allowed = await place_order(client_for(role), customer["id"], cheaper)
        assert allowed.status_code == 201, (role, allowed.text)
        assert allowed.json()["lines"][0]["unit_price"] == "8.00"
        assert allowed.json()["subtotal"] == "8.00"
    assert await order_count(admin) == 3


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def test_totals_round_half_up_per_line(client: httpx.AsyncClient) -> None:
    lines = [("19.99", "0.0725", 3), ("0.05", "0.1000", 1), ("2.50", "0.0000", 4)]
    products = [
        await make_product(client, price=price, tax_rate=rate, qty_on_hand=10)
        for price, rate, _ in lines
    ]
    customer = await make_customer(client)
    order = await make_order(
        client,
        customer["id"],
        [{"sku": p["sku"], "qty": qty} for p, (_, _, qty) in zip(products, lines, strict=True)],
    )
    expected_totals = [_half_up(Decimal(price) * qty) for price, _, qty in lines]
    expected_taxes = [
        _half_up(total * Decimal(rate))
        for total, (_, rate, _) in zip(expected_totals, lines, strict=True)
    ]
    got = order["lines"]
    assert [line["line_total"] for line in got] == [str(t) for t in expected_totals]
    assert [line["line_tax"] for line in got] == [str(t) for t in expected_taxes]
    # 0.05 × 10 % = 0.005: half-up gives a cent where banker's rounding would give none.
    assert got[1]["line_tax"] == "0.01"
    subtotal, tax = sum(expected_totals), sum(expected_taxes)
    assert order["subtotal"] == str(subtotal)
    assert order["tax"] == str(tax)
    assert order["total"] == str(subtotal + tax)
    # Rounding the summed tax once would differ from rounding each line.
    unrounded = sum(t * Decimal(r) for t, (_, r, _) in zip(expected_totals, lines, strict=True))
    assert _half_up(unrounded) != tax
    for field in ("subtotal", "tax", "total"):
        assert isinstance(order[field], str)
    assert (await order_of(client, order["id"]))["total"] == order["total"]


async def test_unknown_customer_or_sku_writes_nothing(client: httpx.AsyncClient) -> None:
    product = await make_product(client, qty_on_hand=5)
    customer = await make_customer(client)
    no_customer = await place_order(client, str(uuid.uuid4()), [{"sku": product["sku"], "qty": 1}])
    assert_problem(no_customer, 422, "unknown_customer")
    no_sku = await place_order(
        client,
        customer["id"],
        [
            {"sku": product["sku"], "qty": 1},
            {"sku": "NOPE", "qty": 1},
        ],
    )
    body = assert_problem(no_sku, 422, "unknown_sku")
    assert body["field"] == "items.1.sku"
    inactive = await make_product(client, qty_on_hand=5, active=False)
    assert_problem(
        await place_order(client, customer["id"], [{"sku": inactive["sku"], "qty": 1}]),
        422,
        "inactive_sku",
    )
    assert await order_count(client) == 0


# -- listing ---------------------------------------------------------------------------------
async def test_list_filters_by_status_customer_and_time(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await make_product(client, qty_on_hand=3)
    alice, bob = await make_customer(client), await make_customer(client)
    first = await make_order(client, alice["id"], [{"sku": product["sku"], "qty": 2}])
    second = await make_order(client, bob["id"], [{"sku": product["sku"], "qty": 2}])
    third = await make_order(client, alice["id"], [{"sku": product["sku"], "qty": 1}])
    assert await container.bus.drain()

    assert await order_count(client) == 3
    confirmed = (await client.get("/orders", params={"status": "invoiced"})).json()
    assert sorted(o["id"] for o in confirmed["items"]) == sorted([first["id"], third["id"]])
    assert confirmed["total"] == 2
    rejected = (await client.get("/orders", params={"status": "rejected"})).json()
    assert [o["id"] for o in rejected["items"]] == [second["id"]]
    for_alice = (await client.get("/orders", params={"customer_id": alice["id"]})).json()
    assert [o["id"] for o in for_alice["items"]] == [third["id"], first["id"]]  # newest first
    both = {"customer_id": alice["id"], "status": "rejected"}
    assert await order_count(client, **both) == 0

    second_at = datetime.fromisoformat(second["created_at"])
    since = (await client.get("/orders", params={"from": second_at.isoformat()})).json()
    assert sorted(o["id"] for o in since["items"]) == sorted([second["id"], third["id"]])
    before = (await client.get("/orders", params={"to": second_at.isoformat()})).json()
    assert [o["id"] for o in before["items"]] == [first["id"]]
    # The same instant written in another time zone selects the same orders.
    elsewhere = second_at.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert await order_count(client, **{"from": elsewhere.isoformat()}) == 2
    just_after = second_at + timedelta(microseconds=1)
    window = {"from": second_at.isoformat(), "to": just_after.isoformat()}
    assert await order_count(client, **window) == 1

    page = (await client.get("/orders", params={"limit": 2, "offset": 1})).json()
    assert page["total"] == 3
    assert [o["id"] for o in page["items"]] == [second["id"], first["id"]]
    assert page["items"][0]["total"] == second["total"]


# -- permissions -----------------------------------------------------------------------------
async def test_viewer_reads_but_cannot_write(client_for: ClientFor, container: Container) -> None:
    admin, viewer = client_for("admin"), client_for("viewer")
    product = await make_product(admin, qty_on_hand=5)
    customer = await make_customer(admin)
    order = await make_order(admin, customer["id"], [{"sku": product["sku"], "qty": 1}])
    assert await container.bus.drain()
    for path in ("/customers", f"/customers/{customer['id']}", "/orders", f"/orders/{order['id']}"):
        assert (await viewer.get(path)).status_code == 200, path
    writes = [
        ("POST", "/customers", {"name": "V", "email": new_email()}),
        ("PATCH", f"/customers/{customer['id']}", {"name": "V"}),
        (
            "POST",
            "/orders",
            {"customer_id": customer["id"], "items": [{"sku": product["sku"], "qty": 1}]},
        ),
        ("PATCH", f"/orders/{order['id']}", {"status": "shipped"}),
        ("POST", f"/orders/{order['id']}/cancel", {}),
    ]
    for method, path, body in writes:
        assert_problem(await viewer.request(method, path, json=body), 403, "forbidden")
    assert await order_count(admin) == 1
    assert (await order_of(admin, order["id"]))["status"] in ("confirmed", "invoiced")
    assert (await admin.get(f"/customers/{customer['id']}")).json()["name"] == customer["name"]


async def test_no_token_is_401(client_for: ClientFor) -> None:
    anonymous = client_for(None)
    for method, path in [
        ("GET", "/customers"),
        ("POST", "/customers"),
        ("GET", "/orders"),
        ("POST", "/orders"),
        ("GET", f"/orders/{uuid.uuid4()}"),
        ("PATCH", f"/orders/{uuid.uuid4()}"),
        ("POST", f"/orders/{uuid.uuid4()}/cancel"),
    ]:
        response = await anonymous.request(method, path, json={})
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
    assert await order_count(client_for("admin")) == 0
