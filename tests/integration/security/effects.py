"""The table of guarded effects: for each effect (void, credit, refund, price change, role
change, stock adjustment, SQL), every route that reaches it, directly or through another
module's reaction, with the permissions a caller needs for that route to have the effect.

A route is a scenario (set up by an admin), an act (the requests a role makes) and a probe
(did the effect happen?). `test_effects.py` runs each route as each role.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from pulse.bootstrap import Container
from tests.integration.billing.factories import invoiced_order, pay
from tests.integration.inventory.factories import make_product, new_sku, stock_of
from tests.integration.orders.factories import make_customer, order_of

Scenario = dict[str, Any]
Prepare = Callable[[httpx.AsyncClient, Container], Awaitable[Scenario]]
Act = Callable[[httpx.AsyncClient, Scenario], Awaitable[list[httpx.Response]]]
Probe = Callable[[httpx.AsyncClient, Scenario], Awaitable[bool]]

_names = itertools.count(1)


@dataclass(frozen=True)
class Route:
    effect: str
    name: str
    needs: frozenset[str]  # every one of these, for this route to have the effect
    prepare: Prepare
    act: Act
    happened: Probe


# The permission that guards each effect, whatever the route.
EFFECT_PERMISSION = {
    "void": "billing:write",
    "credit": "billing:write",
    "refund": "billing:write",
    "catalogue price": "inventory:price",
    "order line price": "orders:override_price",
    "role change": "users:admin",
    "stock adjustment": "inventory:write",
    "sql": "analytics:sql",
}


# -- scenarios (made by an admin) ------------------------------------------------------------
async def _invoice(admin: httpx.AsyncClient, invoice_id: str) -> dict[str, Any]:
    response = await admin.get(f"/billing/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def an_invoiced_order(admin: httpx.AsyncClient, container: Container) -> Scenario:
    """An order billing has invoiced (total 12.00), nothing paid."""
    order, invoice = await invoiced_order(admin, container, price="10.00", qty=1)
    assert order["status"] == "invoiced" and invoice["status"] == "issued"
    return {"order": order, "invoice": invoice}


async def a_part_paid_order(admin: httpx.AsyncClient, container: Container) -> Scenario:
    scenario = await an_invoiced_order(admin, container)
    assert (await pay(admin, scenario["invoice"]["id"], "5.00")).status_code == 201
    assert await container.bus.drain()
    return scenario


async def a_paid_order(admin: httpx.AsyncClient, container: Container) -> Scenario:
    scenario = await an_invoiced_order(admin, container)
    assert (await pay(admin, scenario["invoice"]["id"], "12.00")).status_code == 201
    assert await container.bus.drain()
    assert (await order_of(admin, scenario["order"]["id"]))["status"] == "paid"
    return scenario


async def a_refund_owed(admin: httpx.AsyncClient, container: Container) -> Scenario:
    """A paid invoice credited in full: 12.00 owed back to the customer."""
    scenario = await a_paid_order(admin, container)
    invoice_id = scenario["invoice"]["id"]
    response = await admin.post(
        f"/billing/invoices/{invoice_id}/credit-notes", json={"amount": "12.00"}
    )
    assert response.status_code == 201, response.text
    assert (await _invoice(admin, invoice_id))["refund_due"] == "12.00"
    return scenario


async def a_product(admin: httpx.AsyncClient, container: Container) -> Scenario:
    return {"product": await make_product(admin, price="10.00", tax_rate="0.2000", qty_on_hand=20)}


async def a_product_and_customer(admin: httpx.AsyncClient, container: Container) -> Scenario:
    scenario = await a_product(admin, container)
    scenario["customer"] = await make_customer(admin)
    return scenario


async def a_user(admin: httpx.AsyncClient, container: Container) -> Scenario:
    body = {
        "username": f"sec-user-{next(_names)}",
        "password": "a long password 1",
        "role": "clerk",
    }
    response = await admin.post("/auth/users", json=body)
    assert response.status_code == 201, response.text
    return {"user": response.json()}


async def nothing(admin: httpx.AsyncClient, container: Container) -> Scenario:
    return {}


# -- probes ----------------------------------------------------------------------------------
async def invoice_void(admin: httpx.AsyncClient, s: Scenario) -> bool:
    return (await _invoice(admin, s["invoice"]["id"]))["status"] == "void"


async def invoice_credited(admin: httpx.AsyncClient, s: Scenario) -> bool:
    return bool((await _invoice(admin, s["invoice"]["id"]))["credit_notes"])


async def refund_owed(admin: httpx.AsyncClient, s: Scenario) -> bool:
    return Decimal((await _invoice(admin, s["invoice"]["id"]))["refund_due"]) > 0


async def refund_paid(admin: httpx.AsyncClient, s: Scenario) -> bool:
    return Decimal((await _invoice(admin, s["invoice"]["id"]))["amount_refunded"]) > 0


async def price_changed(admin: httpx.AsyncClient, s: Scenario) -> bool:
    now = await stock_of(admin, s["product"]["sku"])
    return (now["price"], now["tax_rate"]) != (s["product"]["price"], s["product"]["tax_rate"])


async def product_created(admin: httpx.AsyncClient, s: Scenario) -> bool:
    return (await admin.get(f"/inventory/{s['new_sku']}")).status_code == 200


async def order_below_catalogue(admin: httpx.AsyncClient, s: Scenario) -> bool:
    """Some order for the product has a line priced other than the catalogue's price."""
    catalogue = (await stock_of(admin, s["product"]["sku"]))["price"]
    page = (await admin.get("/orders", params={"customer_id": s["customer"]["id"]})).json()
    for summary in page["items"]:
        order = await order_of(admin, summary["id"])
        if any(line["unit_price"] != catalogue for line in order["lines"]):
            return True
    return False


async def role_changed(admin: httpx.AsyncClient, s: Scenario) -> bool:
    users = (await admin.get("/auth/users", params={"limit": 500})).json()["items"]
    return any(u["id"] == s["user"]["id"] and u["role"] == "admin" for u in users)


async def admin_created(admin: httpx.AsyncClient, s: Scenario) -> bool:
    users = (await admin.get("/auth/users", params={"limit": 500})).json()["items"]
    return any(u["username"] == s["new_username"] and u["role"] == "admin" for u in users)


async def on_hand_changed(admin: httpx.AsyncClient, s: Scenario) -> bool:
    now = await stock_of(admin, s["product"]["sku"])
    return now["qty_on_hand"] != s["product"]["qty_on_hand"]


async def sql_answered(admin: httpx.AsyncClient, s: Scenario) -> bool:
    return bool(s.get("rows"))


# -- acts ------------------------------------------------------------------------------------
def post(path: str, body: dict[str, Any] | None = None) -> Act:
    async def act(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
        return [await client.post(path.format(**_ids(s)), json=body if body is not None else {})]

    return act


def patch(path: str, body: dict[str, Any]) -> Act:
    async def act(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
        return [await client.patch(path.format(**_ids(s)), json=body)]

    return act


def _ids(s: Scenario) -> dict[str, str]:
    ids = {}
    for name in ("order", "invoice", "product", "user", "customer"):
        if name in s:
            ids[name] = s[name]["sku"] if name == "product" else s[name]["id"]
    return ids


async def create_priced_product(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    s["new_sku"] = new_sku("SEC")
    body = {"sku": s["new_sku"], "name": "New", "price": "1.00", "tax_rate": "0"}
    return [await client.post("/inventory", json=body)]


async def create_product_with_stock(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    s["new_sku"] = new_sku("SEC")
    body = {"sku": s["new_sku"], "name": "New", "price": "1.00", "qty_on_hand": 50}
    return [await client.post("/inventory", json=body)]


async def order_with_own_price(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    item = {"sku": s["product"]["sku"], "qty": 1, "price": "1.00"}
    return [
        await client.post("/orders", json={"customer_id": s["customer"]["id"], "items": [item]})
    ]


async def reprice_order_restore(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    """The catalogue side door: drop the catalogue price, order at it, put the price back."""
    sku = s["product"]["sku"]
    item = {"sku": sku, "qty": 1}
    return [
        await client.patch(f"/inventory/{sku}", json={"price": "1.00"}),
        await client.post("/orders", json={"customer_id": s["customer"]["id"], "items": [item]}),
        await client.patch(f"/inventory/{sku}", json={"price": s["product"]["price"]}),
    ]


async def retax_order_restore(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    """The same through the tax rate: what the customer pays changes with it."""
    sku = s["product"]["sku"]
    item = {"sku": sku, "qty": 1}
    return [
        await client.patch(f"/inventory/{sku}", json={"tax_rate": "0"}),
        await client.post("/orders", json={"customer_id": s["customer"]["id"], "items": [item]}),
        await client.patch(f"/inventory/{sku}", json={"tax_rate": s["product"]["tax_rate"]}),
    ]


async def order_tax_below_catalogue(admin: httpx.AsyncClient, s: Scenario) -> bool:
    catalogue = (await stock_of(admin, s["product"]["sku"]))["tax_rate"]
    page = (await admin.get("/orders", params={"customer_id": s["customer"]["id"]})).json()
    for summary in page["items"]:
        order = await order_of(admin, summary["id"])
        if any(line["tax_rate"] != catalogue for line in order["lines"]):
            return True
    return False


async def create_admin_user(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    s["new_username"] = f"sec-admin-{next(_names)}"
    body = {"username": s["new_username"], "password": "a long password 1", "role": "admin"}
    return [await client.post("/auth/users", json=body)]


async def run_sql(client: httpx.AsyncClient, s: Scenario) -> list[httpx.Response]:
    response = await client.get("/query", params={"sql": "SELECT 42 AS answer"})
    if response.status_code == 200:
        s["rows"] = response.json().get("rows")
    return [response]


CANCEL = frozenset({"orders:write", "billing:write"})
CANCEL_POST = post("/orders/{order}/cancel", {"reason": "side door"})
CANCEL_PATCH = patch("/orders/{order}", {"status": "cancelled", "reason": "side door"})
PAYMENT = {"amount": "12.00", "method": "cash"}

ROUTES: tuple[Route, ...] = (
    # void: an unpaid invoice, directly or by cancelling its order
    Route(
        "void",
        "POST invoice void",
        frozenset({"billing:write"}),
        an_invoiced_order,
        post("/billing/invoices/{invoice}/void"),
        invoice_void,
    ),
    Route("void", "POST order cancel", CANCEL, an_invoiced_order, CANCEL_POST, invoice_void),
    Route("void", "PATCH order cancelled", CANCEL, an_invoiced_order, CANCEL_PATCH, invoice_void),
    # credit: a part-paid invoice, directly or by cancelling its order
    Route(
        "credit",
        "POST credit note",
        frozenset({"billing:write"}),
        an_invoiced_order,
        post("/billing/invoices/{invoice}/credit-notes", {"amount": "2.00"}),
        invoice_credited,
    ),
    Route("credit", "POST order cancel", CANCEL, a_part_paid_order, CANCEL_POST, invoice_credited),
    Route(
        "credit", "PATCH order cancelled", CANCEL, a_part_paid_order, CANCEL_PATCH, invoice_credited
    ),
    # refund: paying one back, or owing one (a credit on a paid invoice, a paid order cancelled)
    Route(
        "refund",
        "POST refund",
        frozenset({"billing:write"}),
        a_refund_owed,
        post("/billing/invoices/{invoice}/refunds", PAYMENT),
        refund_paid,
    ),
    Route(
        "refund",
        "POST credit note on a paid invoice",
        frozenset({"billing:write"}),
        a_paid_order,
        post("/billing/invoices/{invoice}/credit-notes", {"amount": "12.00"}),
        refund_owed,
    ),
    Route("refund", "POST paid order cancel", CANCEL, a_paid_order, CANCEL_POST, refund_owed),
    Route("refund", "PATCH paid order cancelled", CANCEL, a_paid_order, CANCEL_PATCH, refund_owed),
    # catalogue price: setting it on a new product or changing it
    Route(
        "catalogue price",
        "PATCH product price",
        frozenset({"inventory:price"}),
        a_product,
        patch("/inventory/{product}", {"price": "1.00"}),
        price_changed,
    ),
    Route(
        "catalogue price",
        "PATCH product tax rate",
        frozenset({"inventory:price"}),
        a_product,
        patch("/inventory/{product}", {"tax_rate": "0"}),
        price_changed,
    ),
    Route(
        "catalogue price",
        "POST product with a price",
        frozenset({"inventory:write", "inventory:price"}),
        nothing,
        create_priced_product,
        product_created,
    ),
    # order line price: directly, or through the catalogue and back
    Route(
        "order line price",
        "POST order with own price",
        frozenset({"orders:write", "orders:override_price"}),
        a_product_and_customer,
        order_with_own_price,
        order_below_catalogue,
    ),
    Route(
        "order line price",
        "catalogue price down, order, price back",
        frozenset({"orders:write", "inventory:price"}),
        a_product_and_customer,
        reprice_order_restore,
        order_below_catalogue,
    ),
    Route(
        "order line price",
        "catalogue tax down, order, tax back",
        frozenset({"orders:write", "inventory:price"}),
        a_product_and_customer,
        retax_order_restore,
        order_tax_below_catalogue,
    ),
    # role change
    Route(
        "role change",
        "PATCH user role",
        frozenset({"users:admin"}),
        a_user,
        patch("/auth/users/{user}", {"role": "admin"}),
        role_changed,
    ),
    Route(
        "role change",
        "POST user with a role",
        frozenset({"users:admin"}),
        nothing,
        create_admin_user,
        admin_created,
    ),
    # stock adjustment
    Route(
        "stock adjustment",
        "POST adjust",
        frozenset({"inventory:write"}),
        a_product,
        post("/inventory/{product}/adjust", {"delta": -3, "reason": "stock take"}),
        on_hand_changed,
    ),
    Route(
        "stock adjustment",
        "POST receive",
        frozenset({"inventory:write"}),
        a_product,
        post("/inventory/{product}/receive", {"qty": 3}),
        on_hand_changed,
    ),
    Route(
        "stock adjustment",
        "POST product with opening stock",
        frozenset({"inventory:write", "inventory:price"}),
        nothing,
        create_product_with_stock,
        product_created,
    ),
    # SQL
    Route("sql", "GET query", frozenset({"analytics:sql"}), nothing, run_sql, sql_answered),
)
