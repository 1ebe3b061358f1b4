"""Every customers, orders and inventory endpoint, fed bad input (docs/PRODUCT.md §9): each
answer is a 4xx application/problem+json that says what is wrong, and no table changes.

The cases are a table per endpoint. Each test builds a small world (products, customers, a
invoiced order, a manual hold, a used Idempotency-Key), snapshots every table, sends the
endpoint's cases one by one and compares the snapshot after each.

The machinery (`c`, `Raw`, `build_world`, `snapshot`, `send`, `refusals`) is shared with the
billing table in tests/integration/billing/test_bad_input.py; the one guard at the bottom
checks that both tables together cover every endpoint of the four modules.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import httpx
import pytest
from sqlalchemy import select, update

from pulse.bootstrap import Container
from pulse.inventory.models import StockLevel
from pulse.models import metadata
from tests.integration.orders.factories import assert_problem, make_customer, make_order
from tests.integration.orders.factories import order_of as _order_of

LONG = "x" * 10_000
NUL = "bad\x00value"
BIG = 10**12
HUGE = 2**63
UNKNOWN = "3f1d9c1e-0000-4000-8000-000000000000"
FRESH = "fresh@example.com"
# Written by the bus, not by requests: they move whenever the bus looks at the stream.
BUS_BOOKKEEPING = {"bus_state", "consumer_positions"}


class Raw(str):
    """A body sent verbatim as application/json (placeholders are still filled in)."""


class Case(NamedTuple):
    label: str
    body: Any = None
    status: int = 422
    path: str | None = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    code: str | None = None


def c(label: str, body: Any = None, status: int = 422, **rest: Any) -> Case:
    return Case(label, body, status, **rest)


def item(**fields: Any) -> dict[str, Any]:
    return {"customer_id": "{customer}", "items": [{"sku": "{known}", "qty": 1, **fields}]}


def common_body_cases() -> list[Case]:
    return [
        c("malformed JSON", Raw('{"a": ')),
        c("array body", Raw("[1, 2]")),
        c("string body", Raw('"text"')),
        c("not JSON at all", "plain words", headers={"content-type": "text/plain"}),
    ]


def quantity_cases(field: str, base: dict[str, Any]) -> list[Case]:
    return [
        c(f"{field}={value!r}", {**base, field: value})
        for value in (0, -1, BIG, HUGE, -HUGE, 1.5, "many", None)
    ]


CASES: dict[str, list[Case]] = {
    "POST /customers": [
        *common_body_cases(),
        c("missing name", {"email": FRESH}),
        c("missing email", {"name": "N"}),
        c("name is a number", {"name": 5, "email": FRESH}),
        c("blank name", {"name": "   ", "email": FRESH}),
        c("long name", {"name": LONG, "email": FRESH}),
        c("NUL in name", {"name": NUL, "email": FRESH}),
        c("bad email", {"name": "N", "email": "not-an-email"}),
        c("long email", {"name": "N", "email": LONG + "@example.com"}),
        c("long phone", {"name": "N", "email": FRESH, "phone": LONG}),
        c("long address", {"name": "N", "email": FRESH, "billing_address": LONG}),
        c("long code", {"name": "N", "email": FRESH, "code": LONG}),
        *[
            c(f"terms={v!r}", {"name": "N", "email": FRESH, "payment_terms_days": v})
            for v in (-1, 366, BIG, HUGE, "thirty", 1.5)
        ],
        c("extra field", {"name": "N", "email": FRESH, "id": UNKNOWN}),
        c(
            "duplicate email",
            {"name": "N", "email": "taken@example.com"},
            409,
            code="duplicate_email",
        ),
        c("duplicate email, other case", {"name": "N", "email": "TAKEN@example.com"}, 409),
        c("duplicate code", {"name": "N", "email": FRESH, "code": "TAKEN"}, 409),
    ],
    "GET /customers": [
        *[
            c(f"{k}={v!r}", params={k: v})
            for k, v in (
                ("q", LONG),
                ("q", NUL),
                ("limit", -1),
                ("limit", 0),
                ("limit", 10**9),
                ("limit", "ten"),
                ("offset", -1),
                ("offset", BIG),
            )
        ],
    ],
    "GET /customers/{customer_id}": [
        c("malformed id", path="/customers/not-a-uuid"),
        c("numeric id", path="/customers/123"),
        c("long id", path="/customers/" + LONG),
        c("unknown id", status=404, path=f"/customers/{UNKNOWN}"),
    ],
    "PATCH /customers/{customer_id}": [
        *common_body_cases(),
        c("malformed id", {"name": "N"}, path="/customers/not-a-uuid"),
        c("unknown id", {"name": "N"}, 404, path=f"/customers/{UNKNOWN}"),
        *[c(f"null {f}", {f: None}) for f in ("name", "email", "payment_terms_days")],
        c("long name", {"name": LONG}),
        c("NUL in phone", {"phone": NUL}),
        c("bad email", {"email": "nobody"}),
        c("huge terms", {"payment_terms_days": HUGE}),
        c("extra field", {"created_at": "2020-01-01T00:00:00Z"}),
        c("someone else's email", {"email": "taken@example.com"}, 409),
        c("someone else's code", {"code": "TAKEN"}, 409),
    ],
    "POST /orders": [
        *common_body_cases(),
        c("missing customer", {"items": [{"sku": "{known}", "qty": 1}]}),
        c("missing items", {"customer_id": "{customer}"}),
        c("no items", {"customer_id": "{customer}", "items": []}),
        c("items not a list", {"customer_id": "{customer}", "items": "{known}"}),
        c(
            "201 lines",
            {"customer_id": "{customer}", "items": [{"sku": "{known}", "qty": 1}] * 201},
        ),
        c("malformed customer id", {**item(), "customer_id": "not-a-uuid"}),
        c("numeric customer id", {**item(), "customer_id": 12}),
        c("unknown customer", {**item(), "customer_id": UNKNOWN}, code="unknown_customer"),
        c("unknown SKU", item(sku="NO-SUCH-SKU"), code="unknown_sku"),
        c("empty SKU", item(sku="")),
        c("long SKU", item(sku=LONG)),
        c("NUL in SKU", item(sku=NUL)),
        c("null SKU", item(sku=None)),
        *[
            c(f"qty={v!r}", item(qty=v))
            for v in (0, -1, BIG, HUGE, -HUGE, 1.5, "many", None, True, "3")
        ],
        *[
            c(f"price={v!r}", item(price=v))
            for v in (
                "-1.00",
                "0.001",
                "1e12",
                "99999999999999999999",
                "NaN",
                "Infinity",
                "abc",
                -5,
            )
        ],
        c(
            "price 1e400",
            Raw(
                '{"customer_id": "{customer}", "items": '
                '[{"sku": "{known}", "qty": 1, "price": 1e400}]}'
            ),
        ),
        c(
            "total beyond any amount",
            item(qty=1_000_000, price="999999999.99"),
            code="amount_too_large",
        ),
        c("extra field", {**item(), "total": "1.00"}),
        c("extra line field", item(discount="0.50")),
        c("long Idempotency-Key", item(), headers={"Idempotency-Key": LONG}),
        c("empty Idempotency-Key", item(), headers={"Idempotency-Key": ""}),
        c(
            "Idempotency-Key reused with another body",
            item(qty=2),
            headers={"Idempotency-Key": "used-key"},
            code="idempotency_key_reused",
        ),
    ],
    "GET /orders": [
        *[
            c(f"{k}={v!r}", params={k: v})
            for k, v in (
                ("status", "bogus"),
                ("limit", -1),
                ("limit", 0),
                ("limit", 10**9),
                ("offset", -1),
                ("customer_id", "not-a-uuid"),
                ("from", "yesterday"),
                ("to", LONG),
                ("from", "9999-12-31T23:59:59-05:00"),
                ("to", "0001-01-01T00:00:00+05:00"),
            )
        ],
    ],
    "GET /orders/{order_id}": [
        c("malformed id", path="/orders/not-a-uuid"),
        c("long id", path="/orders/" + LONG),
        c("unknown id", status=404, path=f"/orders/{UNKNOWN}"),
    ],
    "PATCH /orders/{order_id}": [
        *common_body_cases(),
        c("malformed id", {"status": "shipped"}, path="/orders/not-a-uuid"),
        c("unknown id", {"status": "shipped"}, 404, path=f"/orders/{UNKNOWN}"),
        c("unknown status", {"status": "bogus"}),
        c("missing status", {"reason": "r"}),
        c("null status", {"status": None}),
        c("numeric status", {"status": 5}),
        c("long reason", {"status": "shipped", "reason": LONG}),
        c("NUL in reason", {"status": "shipped", "reason": NUL}),
        c("extra field", {"status": "shipped", "total": "0.00"}),
        *[
            c(f"invoiced → {s}", {"status": s}, 409, code="illegal_transition")
            for s in ("placed", "confirmed", "rejected", "invoiced", "paid", "shipped", "completed")
        ],
    ],
    "POST /orders/{order_id}/cancel": [
        *common_body_cases(),
        c("malformed id", {}, path="/orders/not-a-uuid/cancel"),
        c("unknown id", {}, 404, path=f"/orders/{UNKNOWN}/cancel"),
        c("long reason", {"reason": LONG}),
        c("numeric reason", {"reason": 5}),
        c("extra field", {"reason": "r", "refund": True}),
    ],
    "POST /inventory": [
        *common_body_cases(),
        c("missing sku", {"name": "N", "price": "1.00"}),
        c("missing name", {"sku": "NEW-1", "price": "1.00"}),
        c("missing price", {"sku": "NEW-1", "name": "N"}),
        *[
            c(f"sku={v[:20]!r}", {"sku": v, "name": "N", "price": "1.00"})
            for v in ("", "A B", "A/B", "X" * 65, LONG, NUL, "ünïcode")
        ],
        c("long name", {"sku": "NEW-1", "name": LONG, "price": "1.00"}),
        c("long description", {"sku": "NEW-1", "name": "N", "price": "1.00", "description": LONG}),
        *[
            c(f"price={v!r}", {"sku": "NEW-1", "name": "N", "price": v})
            for v in ("-1", "0.001", "1e12", "NaN", "-Infinity", BIG, None)
        ],
        *[
            c(f"tax_rate={v!r}", {"sku": "NEW-1", "name": "N", "price": "1", "tax_rate": v})
            for v in ("1.5", "-0.1", "0.12345", "ten")
        ],
        *[
            c(f"{f}={v!r}", {"sku": "NEW-1", "name": "N", "price": "1", f: v})
            for f in ("qty_on_hand", "reorder_point", "reorder_qty")
            for v in (-1, BIG, HUGE, 1.5)
        ],
        c(
            "lead time 5000 days",
            {"sku": "NEW-1", "name": "N", "price": "1", "lead_time_days": 5000},
        ),
        c("active=maybe", {"sku": "NEW-1", "name": "N", "price": "1", "active": "maybe"}),
        c("extra field", {"sku": "NEW-1", "name": "N", "price": "1", "reserved_qty": 3}),
        c(
            "duplicate SKU",
            {"sku": "{known}", "name": "N", "price": "1.00"},
            409,
            code="duplicate_sku",
        ),
    ],
    "GET /inventory": [
        *[
            c(f"{k}={v!r}", params={k: v})
            for k, v in (
                ("q", LONG),
                ("q", NUL),
                ("limit", -1),
                ("limit", 10**9),
                ("offset", -1),
                ("active", "maybe"),
                ("low_stock", "maybe"),
                ("low_stock", ""),
            )
        ],
    ],
    "GET /inventory/low-stock": [
        *[
            c(f"{k}={v!r}", params={k: v})
            for k, v in (
                ("limit", -1),
                ("limit", 0),
                ("limit", 10**9),
                ("limit", "abc"),
                ("offset", -1),
            )
        ],
    ],
    "GET /inventory/{sku}": [
        c("long SKU", path="/inventory/" + LONG),
        c("NUL in SKU", path="/inventory/KNOWN%00"),
        c("unknown SKU", status=404, path="/inventory/NO-SUCH-SKU"),
    ],
    "PATCH /inventory/{sku}": [
        *common_body_cases(),
        c("unknown SKU", {"price": "1.00"}, 404, path="/inventory/NO-SUCH-SKU"),
        c("long SKU", {"price": "1.00"}, path="/inventory/" + LONG),
        *[
            c(f"{f}={v!r}", {f: v})
            for f, v in (
                ("price", None),
                ("price", "-1"),
                ("price", "0.001"),
                ("tax_rate", "2"),
                ("name", ""),
                ("name", LONG),
                ("description", LONG),
                ("description", NUL),
                ("reorder_point", -1),
                ("reorder_qty", HUGE),
                ("lead_time_days", -1),
                ("active", "maybe"),
                ("active", None),
                ("qty_on_hand", 5),
                ("sku", "RENAMED"),
            )
        ],
    ],
    "POST /inventory/{sku}/receive": [
        *common_body_cases(),
        *quantity_cases("qty", {}),
        c("long reason", {"qty": 1, "reason": LONG}),
        c("NUL in reason", {"qty": 1, "reason": NUL}),
        c("extra field", {"qty": 1, "cost": "2.00"}),
        c("unknown SKU", {"qty": 1}, 404, path="/inventory/NO-SUCH-SKU/receive"),
        c(
            "beyond the largest count",
            {"qty": 1_000_000},
            path="/inventory/{full}/receive",
            code="quantity_too_large",
        ),
    ],
    "POST /inventory/{sku}/adjust": [
        *common_body_cases(),
        *[
            c(f"delta={v!r}", {"delta": v, "reason": "count"})
            for v in (0, BIG, -BIG, HUGE, 1.5, "some", None)
        ],
        c("missing reason", {"delta": 1}),
        c("empty reason", {"delta": 1, "reason": ""}),
        c("long reason", {"delta": 1, "reason": LONG}),
        c("NUL in reason", {"delta": 1, "reason": NUL}),
        c(
            "below what is reserved",
            {"delta": -10, "reason": "count"},
            409,
            code="insufficient_stock",
        ),
        c("unknown SKU", {"delta": 1, "reason": "r"}, 404, path="/inventory/NO-SUCH-SKU/adjust"),
        c(
            "beyond the largest count",
            {"delta": 1_000_000, "reason": "count"},
            path="/inventory/{full}/adjust",
            code="quantity_too_large",
        ),
    ],
    "POST /inventory/{sku}/reserve": [
        *common_body_cases(),
        *quantity_cases("qty", {}),
        c("more than available", {"qty": 1000}, 409, code="insufficient_stock"),
        c("long reference", {"qty": 1, "reference": LONG}),
        c("extra field", {"qty": 1, "order_id": UNKNOWN}),
        c("unknown SKU", {"qty": 1}, 404, path="/inventory/NO-SUCH-SKU/reserve"),
    ],
    "POST /inventory/{sku}/release": [
        *common_body_cases(),
        c("missing id", {}),
        c("malformed id", {"reservation_id": "not-a-uuid"}),
        c("numeric id", {"reservation_id": 12}),
        c("unknown id", {"reservation_id": UNKNOWN}, 404),
        c(
            "a hold on another SKU",
            {"reservation_id": "{hold}"},
            404,
            path="/inventory/{other}/release",
        ),
        c("extra field", {"reservation_id": "{hold}", "qty": 1}),
        c("unknown SKU", {"reservation_id": "{hold}"}, 404, path="/inventory/NO-SUCH-SKU/release"),
    ],
    "GET /inventory/{sku}/movements": [
        *[
            c(f"{k}={v!r}", params={k: v})
            for k, v in (("limit", -1), ("limit", 10**9), ("offset", -1))
        ],
        c("unknown SKU", status=404, path="/inventory/NO-SUCH-SKU/movements"),
        c("long SKU", path=f"/inventory/{LONG}/movements"),
    ],
}
DEFAULT_PATHS = {
    "{customer_id}": "{customer_b}",
    "{order_id}": "{order}",
    "{sku}": "{known}",
}


def fill(value: Any, world: dict[str, str]) -> Any:
    if isinstance(value, Raw):
        for name, real in world.items():
            value = Raw(value.replace("{" + name + "}", real))
        return value
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world[value[1:-1]]
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


async def build_world(client: httpx.AsyncClient, container: Container) -> dict[str, str]:
    product = {"price": "10.00", "tax_rate": "0.2000", "name": "Widget"}
    for sku, on_hand in (("KNOWN-1", 10), ("OTHER-1", 5), ("FULL-1", 1)):
        response = await client.post(
            "/inventory", json={**product, "sku": sku, "qty_on_hand": on_hand}
        )
        assert response.status_code == 201, response.text
    async with container.uow() as uow:  # a shelf counted up to nearly the largest number
        await uow.session.execute(
            update(StockLevel).where(StockLevel.sku == "FULL-1").values(qty_on_hand=2**31 - 10)
        )
        await uow.commit()
    customer = await make_customer(client, email="taken@example.com", code="TAKEN")
    other_customer = await make_customer(client)
    order = await make_order(client, customer["id"], [{"sku": "KNOWN-1", "qty": 2}])
    keyed = await client.post(
        "/orders",
        headers={"Idempotency-Key": "used-key"},
        json={"customer_id": customer["id"], "items": [{"sku": "KNOWN-1", "qty": 1}]},
    )
    assert keyed.status_code == 201, keyed.text
    hold = await client.post("/inventory/KNOWN-1/reserve", json={"qty": 3})
    assert hold.status_code == 201, hold.text
    assert await container.bus.drain()
    for placed in (order, keyed.json()):
        assert (await _order_of(client, placed["id"]))["status"] == "invoiced"
    assert await container.bus.drain()
    return {
        "known": "KNOWN-1",
        "other": "OTHER-1",
        "full": "FULL-1",
        "customer": customer["id"],
        "customer_b": other_customer["id"],
        "order": order["id"],
        "hold": hold.json()["reservation_id"],
    }


async def snapshot(container: Container) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    async with container.uow(readonly=True) as uow:
        for table in metadata.sorted_tables:
            if table.name not in BUS_BOOKKEEPING:
                rows = (await uow.session.execute(select(table))).all()
                tables[table.name] = sorted(repr(tuple(row)) for row in rows)
    return tables


async def send(
    client: httpx.AsyncClient,
    group: str,
    case: Case,
    world: dict[str, str],
    paths: dict[str, str] = DEFAULT_PATHS,
) -> httpx.Response:
    """Send one case of `group`; `paths` maps the OpenAPI path parameters to world
    placeholders (used when the case gives no path of its own)."""
    method, template = group.split(" ", 1)
    for part, placeholder in paths.items():
        template = template.replace(part, placeholder)
    path = case.path or template
    if "{" in path:
        path = path.format(**world)
    headers = dict(case.headers or {})
    kwargs: dict[str, Any] = {"params": fill(case.params, world), "headers": headers}
    body = fill(case.body, world)
    if isinstance(body, Raw) or "content-type" in headers:
        headers.setdefault("content-type", "application/json")
        kwargs["content"] = str(body).encode()
    elif body is not None or method in ("POST", "PATCH"):
        kwargs["json"] = body if body is not None else {}
    return await client.request(method, path, **kwargs)


async def refusals(
    client: httpx.AsyncClient,
    container: Container,
    group: str,
    cases: list[Case],
    world: dict[str, str],
    paths: dict[str, str] = DEFAULT_PATHS,
) -> list[str]:
    """Send each case in turn; what went wrong: a wrong answer, or a table that changed."""
    before = await snapshot(container)
    failures: list[str] = []
    for case in cases:
        response = await send(client, group, case, world, paths)
        try:
            assert_problem(response, case.status, case.code)
        except AssertionError:
            failures.append(f"{case.label}: {response.status_code} {response.text[:300]}")
        after = await snapshot(container)
        if after != before:
            changed = sorted(name for name in after if after[name] != before[name])
            failures.append(f"{case.label}: wrote to {changed}")
            # Let the bus handle what that write emitted, so the next case is not blamed.
            await container.bus.drain()
            before = await snapshot(container)
    return failures


@pytest.mark.parametrize("group", list(CASES))
async def test_bad_input_is_refused_and_writes_nothing(
    group: str, client: httpx.AsyncClient, container: Container
) -> None:
    world = await build_world(client, container)
    failures = await refusals(client, container, group, CASES[group], world)
    assert not failures, f"{group}:\n" + "\n".join(failures)


GUARDED_MODULES = ("customers", "orders", "inventory", "billing")


def test_every_endpoint_has_bad_input_cases(container: Container) -> None:
    # Imported here: the billing table imports this module's machinery.
    from tests.integration.billing.test_bad_input import BILLING_CASES

    paths = container.app.openapi()["paths"]  # type: ignore[attr-defined]
    endpoints = {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if path.split("/")[1] in GUARDED_MODULES
        for method in operations
    }
    assert not set(CASES) & set(BILLING_CASES)
    assert endpoints == set(CASES) | set(BILLING_CASES)
    assert all(len(cases) >= 3 for cases in CASES.values())
    assert all(len(cases) >= 5 for cases in BILLING_CASES.values())


async def test_a_key_given_twice_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    # Parsed as-is, the last "role" would win: a viewer's form could be made to ask for admin.
    body = '{"username": "twice", "password": "long-enough-1", "role": "viewer", "role": "admin"}'
    before = await snapshot(container)
    answer = await client.post(
        "/auth/users", content=body, headers={"content-type": "application/json"}
    )
    assert_problem(answer, 422, "duplicate_key")
    assert answer.json()["field"] == "role"
    assert await snapshot(container) == before


async def test_a_locked_login_says_when_to_retry(client_for: Any) -> None:
    anonymous = client_for(None)
    wrong = {"username": "admin", "password": "not-the-password"}
    answers = [await anonymous.post("/auth/login", json=wrong) for _ in range(8)]
    locked = [a for a in answers if a.status_code == 429]
    assert locked, [a.status_code for a in answers]
    assert_problem(locked[0], 429)
    assert int(locked[0].headers["retry-after"]) >= 1
    assert locked[0].headers["retry-after"] == str(locked[0].json()["retry_after"])
