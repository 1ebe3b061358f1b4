"""The permission matrix: every operation of the OpenAPI document with what it needs, and a
scenario (made by an admin, on demand) that gives each path parameter a real id.

An operation whose effect depends on what it is asked to do has one case per effect: editing
a product's name needs `inventory:write`, its price `inventory:price`; cancelling an invoiced
order needs `billing:write` as well as `orders:write`.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from pulse.bootstrap import Container
from tests.integration.billing.factories import invoiced_order
from tests.integration.inventory.factories import make_product, new_sku
from tests.integration.orders.factories import make_customer, new_email
from tests.integration.security import factor_cases
from tests.integration.settings.factories import image_bytes, logo_body

PUBLIC = frozenset({"public"})
SIGNED_IN = frozenset({"signed in"})
PASSWORD = "a long password 1"

_names = itertools.count(1)


class Scenario:
    """Real records, made by an admin the first time a case asks for them."""

    def __init__(self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, c: Container):
        self.admin, self.anonymous, self.container = admin, anonymous, c
        self._cache: dict[str, Any] = {}

    async def _once(self, name: str, make: Callable[[], Awaitable[Any]]) -> Any:
        if name not in self._cache:
            self._cache[name] = await make()
        return self._cache[name]

    async def product(self) -> dict[str, Any]:
        return await self._once("product", lambda: make_product(self.admin, qty_on_hand=50))

    async def customer(self) -> dict[str, Any]:
        return await self._once("customer", lambda: make_customer(self.admin))

    async def invoiced(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return await self._once("invoiced", lambda: invoiced_order(self.admin, self.container))

    async def credit_note(self) -> dict[str, Any]:
        async def make() -> dict[str, Any]:
            _, invoice = await self.invoiced()
            response = await self.admin.post(
                f"/billing/invoices/{invoice['id']}/credit-notes", json={"amount": "1.00"}
            )
            assert response.status_code == 201, response.text
            return response.json()

        return await self._once("credit_note", make)

    async def user(self) -> dict[str, Any]:
        async def make() -> dict[str, Any]:
            response = await self.admin.post("/auth/users", json=new_user("clerk"))
            assert response.status_code == 201, response.text
            return response.json()

        return await self._once("user", make)

    async def hold(self) -> str:
        async def make() -> str:
            sku = (await self.product())["sku"]
            response = await self.admin.post(f"/inventory/{sku}/reserve", json={"qty": 1})
            assert response.status_code == 201, response.text
            return str(response.json()["reservation_id"])

        return await self._once("hold", make)

    async def tax_rate(self) -> dict[str, Any]:
        async def make() -> dict[str, Any]:
            response = await self.admin.post("/settings/tax-rates", json=tax_rate_body_value())
            assert response.status_code == 201, response.text
            return response.json()

        return await self._once("tax_rate", make)

    async def credentials(self) -> dict[str, str]:
        """A user's name and password, to log in with."""
        return {"username": (await self.user())["username"], "password": PASSWORD}

    async def refresh_token(self) -> str:
        """A fresh one on every call: a refresh token is spent when used."""
        response = await self.anonymous.post("/auth/login", json=await self.credentials())
        assert response.status_code == 200, response.text
        return str(response.json()["refresh_token"])

    async def path_value(self, name: str) -> str:
        if name == "sku":
            return str((await self.product())["sku"])
        if name == "customer_id":
            return str((await self.customer())["id"])
        if name == "order_id":
            return str((await self.invoiced())[0]["id"])
        if name == "invoice_id":
            return str((await self.invoiced())[1]["id"])
        if name == "credit_note_id":
            return str((await self.credit_note())["id"])
        if name == "user_id":
            return str((await self.user())["id"])
        if name == "session_id":
            return await factor_cases.session_id(self)
        if name == "seq":  # an audit record: making the user wrote some
            await self.user()
            return "1"
        if name == "code":
            return str((await self.tax_rate())["code"])
        if name == "series_name":
            return "credit_notes"
        raise AssertionError(f"no value for path parameter {name}")


def new_user(role: str) -> dict[str, Any]:
    return {"username": f"matrix-{next(_names)}", "password": PASSWORD, "role": role}


Body = Callable[[Scenario], Awaitable[Any]]


def fixed(value: Any) -> Body:
    async def body(s: Scenario) -> Any:
        return value

    return body


async def _order_body(s: Scenario, **extra: Any) -> dict[str, Any]:
    item = {"sku": (await s.product())["sku"], "qty": 1, **extra}
    return {"customer_id": (await s.customer())["id"], "items": [item]}


async def order_body(s: Scenario) -> dict[str, Any]:
    return await _order_body(s)


async def override_body(s: Scenario) -> dict[str, Any]:
    return await _order_body(s, price="1.00")


async def invoice_body(s: Scenario) -> dict[str, Any]:
    line = {"description": "Consulting", "qty": "1", "unit_price": "50.00", "tax_rate": "0.2"}
    return {"customer_id": (await s.customer())["id"], "lines": [line]}


async def product_body(s: Scenario) -> dict[str, Any]:
    return {"sku": new_sku("MX"), "name": "Matrix", "price": "3.00", "qty_on_hand": 1}


async def customer_body(s: Scenario) -> dict[str, Any]:
    return {"name": "Matrix Buyer", "email": new_email()}


async def user_body(s: Scenario) -> dict[str, Any]:
    return new_user("viewer")


def tax_rate_body_value() -> dict[str, Any]:
    return {"code": f"matrix-{next(_names)}", "name": "Matrix rate", "rate": "0.0700"}


async def tax_rate_body(s: Scenario) -> dict[str, Any]:
    return tax_rate_body_value()


async def tax_code_body(s: Scenario) -> dict[str, Any]:
    return {"tax_code": (await s.tax_rate())["code"]}


async def logo_upload_body(s: Scenario) -> dict[str, Any]:
    return logo_body(image_bytes())


async def release_body(s: Scenario) -> dict[str, Any]:
    return {"reservation_id": await s.hold()}


async def login_body(s: Scenario) -> dict[str, Any]:
    return await s.credentials()


async def refresh_body(s: Scenario) -> dict[str, Any]:
    return {"refresh_token": await s.refresh_token()}


@dataclass(frozen=True)
class Case:
    needs: frozenset[str]  # all of these (or PUBLIC, or SIGNED_IN)
    body: Body | None = None
    params: dict[str, str] = field(default_factory=dict)
    label: str = ""


def needs(*permissions: str) -> frozenset[str]:
    return frozenset(permissions)


def read(permission: str, **params: str) -> list[Case]:
    return [Case(needs(permission), params=params)]


REPORT = read("analytics:read")
CANCEL = needs("orders:write", "billing:write")  # the order of the scenario is invoiced

# Every operation of the OpenAPI document: (method, path template) → its cases.
MATRIX: dict[tuple[str, str], list[Case]] = {
    ("GET", "/healthz"): [Case(PUBLIC)],
    ("GET", "/health"): [Case(PUBLIC)],
    ("GET", "/readyz"): [Case(PUBLIC)],
    ("GET", "/metrics"): [Case(PUBLIC)],
    ("POST", "/auth/login"): [Case(PUBLIC, login_body)],
    ("POST", "/auth/refresh"): [Case(PUBLIC, refresh_body)],
    ("POST", "/auth/logout"): [Case(PUBLIC, refresh_body)],
    ("GET", "/auth/me"): [Case(SIGNED_IN)],
    ("GET", "/auth/users"): read("users:admin"),
    ("POST", "/auth/users"): [Case(needs("users:admin"), user_body)],
    ("PATCH", "/auth/users/{user_id}"): [Case(needs("users:admin"), fixed({"role": "admin"}))],
    ("GET", "/auth/sessions"): [Case(SIGNED_IN)],
    ("GET", "/auth/sessions/all"): read("sessions:manage"),
    # The scenario's session is always another user's: ending it needs the permission.
    ("POST", "/auth/sessions/{session_id}/end"): [Case(needs("sessions:manage"))],
    ("GET", "/auth/second-factor"): [Case(SIGNED_IN)],
    ("POST", "/auth/second-factor/setup"): [Case(SIGNED_IN)],
    ("POST", "/auth/second-factor/confirm"): [Case(SIGNED_IN, fixed({"code": "123456"}))],
    ("POST", "/auth/second-factor/recovery-codes"): [Case(SIGNED_IN, fixed({"code": "123456"}))],
    ("POST", "/auth/second-factor/disable"): [Case(SIGNED_IN, fixed({"code": "123456"}))],
    ("POST", "/auth/users/{user_id}/second-factor/reset"): [Case(needs("users:admin"))],
    ("GET", "/auth/second-factor/policy"): read("users:admin"),
    ("PATCH", "/auth/second-factor/policy"): [
        Case(needs("users:admin"), fixed({"required_roles": ["accountant"]}))
    ],
    ("POST", "/auth/login/second-factor"): [Case(PUBLIC, factor_cases.code_body)],
    ("POST", "/auth/login/enrol"): [Case(PUBLIC, factor_cases.enrol_body)],
    ("POST", "/auth/login/enrol/confirm"): [Case(PUBLIC, factor_cases.enrol_confirm_body)],
    ("GET", "/settings/company"): [Case(SIGNED_IN)],
    ("PATCH", "/settings/company"): [Case(needs("settings:manage"), fixed({"name": "Matrix Ltd"}))],
    ("GET", "/settings/company/logo"): [Case(SIGNED_IN)],
    ("PUT", "/settings/company/logo"): [Case(needs("settings:manage"), logo_upload_body)],
    ("DELETE", "/settings/company/logo"): [Case(needs("settings:manage"))],
    ("GET", "/settings/tax-rates"): [Case(SIGNED_IN)],
    ("POST", "/settings/tax-rates"): [Case(needs("settings:manage"), tax_rate_body)],
    ("PATCH", "/settings/tax-rates/{code}"): [
        Case(needs("settings:manage"), fixed({"rate": "0.0800"}))
    ],
    ("GET", "/settings/numbering"): [Case(SIGNED_IN)],
    ("PATCH", "/settings/numbering/{series_name}"): [
        Case(needs("settings:manage"), fixed({"prefix": "MX-"}))
    ],
    ("GET", "/auth/sso/config"): [Case(PUBLIC)],
    ("POST", "/auth/sso/session"): [Case(PUBLIC, fixed({"access_token": "not.a.token"}))],
    ("GET", "/customers"): read("customers:read"),
    ("POST", "/customers"): [Case(needs("customers:write"), customer_body)],
    ("GET", "/customers/{customer_id}"): read("customers:read"),
    ("PATCH", "/customers/{customer_id}"): [
        Case(needs("customers:write"), fixed({"payment_terms_days": 5}))
    ],
    ("POST", "/orders"): [
        Case(needs("orders:write"), order_body, label="catalogue price"),
        Case(needs("orders:write", "orders:override_price"), override_body, label="own price"),
    ],
    ("GET", "/orders"): read("orders:read"),
    ("GET", "/orders/{order_id}"): read("orders:read"),
    ("PATCH", "/orders/{order_id}"): [
        Case(needs("orders:write"), fixed({"status": "shipped"}), label="ship"),
        Case(CANCEL, fixed({"status": "cancelled"}), label="cancel invoiced"),
    ],
    ("POST", "/orders/{order_id}/cancel"): [Case(CANCEL, fixed({"reason": "matrix"}))],
    ("GET", "/inventory"): read("inventory:read"),
    ("POST", "/inventory"): [Case(needs("inventory:write", "inventory:price"), product_body)],
    ("GET", "/inventory/low-stock"): read("inventory:read"),
    ("GET", "/inventory/{sku}"): read("inventory:read"),
    ("PATCH", "/inventory/{sku}"): [
        Case(needs("inventory:write"), fixed({"reorder_point": 7}), label="stock settings"),
        Case(needs("inventory:write"), fixed({"name": "Renamed"}), label="name"),
        Case(needs("inventory:price"), fixed({"price": "77.00"}), label="price"),
        Case(needs("inventory:price"), fixed({"tax_rate": "0.0500"}), label="tax rate"),
        Case(needs("inventory:price"), tax_code_body, label="named tax rate"),
    ],
    ("POST", "/inventory/{sku}/receive"): [Case(needs("inventory:write"), fixed({"qty": 2}))],
    ("POST", "/inventory/{sku}/adjust"): [
        Case(needs("inventory:write"), fixed({"delta": -1, "reason": "count"}))
    ],
    ("POST", "/inventory/{sku}/reserve"): [Case(needs("inventory:reserve"), fixed({"qty": 1}))],
    ("POST", "/inventory/{sku}/release"): [Case(needs("inventory:reserve"), release_body)],
    ("GET", "/inventory/{sku}/movements"): read("inventory:read"),
    ("GET", "/billing/invoices"): read("billing:read"),
    ("POST", "/billing/invoices"): [Case(needs("billing:write"), invoice_body)],
    ("GET", "/billing/invoices/{invoice_id}"): read("billing:read"),
    ("GET", "/billing/invoices/{invoice_id}/pdf"): read("billing:read"),
    ("POST", "/billing/invoices/{invoice_id}/void"): [Case(needs("billing:write"), fixed({}))],
    ("POST", "/billing/invoices/{invoice_id}/pay"): [
        Case(needs("billing:pay"), fixed({"amount": "1.00", "method": "cash"}))
    ],
    ("POST", "/billing/invoices/{invoice_id}/credit-notes"): [
        Case(needs("billing:write"), fixed({"amount": "1.00"}))
    ],
    ("POST", "/billing/invoices/{invoice_id}/refunds"): [
        Case(needs("billing:write"), fixed({"amount": "1.00", "method": "cash"}))
    ],
    ("GET", "/billing/payments"): read("billing:read"),
    ("GET", "/billing/credit-notes"): read("billing:read"),
    ("GET", "/billing/credit-notes/{credit_note_id}"): read("billing:read"),
    ("GET", "/billing/credit-notes/{credit_note_id}/pdf"): read("billing:read"),
    ("GET", "/billing/accounts"): read("billing:read"),
    ("GET", "/billing/ledger"): read("billing:read"),
    ("GET", "/billing/trial-balance"): read("billing:read"),
    ("GET", "/query/sales/hourly"): REPORT,
    ("GET", "/query/sales/daily"): REPORT,
    ("GET", "/query/sales/top-products"): REPORT,
    ("GET", "/query/sales/top-customers"): REPORT,
    ("GET", "/query/inventory/low-stock"): REPORT,
    ("GET", "/query/inventory/stock"): REPORT,
    ("GET", "/query/inventory/movements"): REPORT,
    ("GET", "/query/ar/overdue"): REPORT,
    ("GET", "/query/ar/aging"): REPORT,
    ("GET", "/query/cash/daily"): REPORT,
    ("GET", "/query/kpis"): REPORT,
    ("GET", "/query/recommendations"): REPORT,
    ("GET", "/query"): read("analytics:sql", sql="SELECT 42 AS answer"),
    ("GET", "/stats"): REPORT,
    ("GET", "/query/live"): REPORT,
    ("GET", "/audit/records"): read("audit:read"),
    ("GET", "/audit/records/{seq}"): read("audit:read"),
    ("GET", "/audit/verify"): read("audit:read"),
    ("GET", "/audit/signing-key"): read("audit:read"),
    ("GET", "/audit/export"): read("audit:read"),
}

# Streams that never end: only their status line is awaited.
STREAMS = {("GET", "/query/live")}
