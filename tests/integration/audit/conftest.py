"""A workload that exercises the audit log (users, a failed sign-in, orders through the
whole flow), direct tampering with its tables, and the chain's status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from pulse.bootstrap import Container
from pulse.platform.audit import service
from pulse.platform.audit.schemas import ChainStatus
from pulse.platform.auth import passwords
from tests.conftest import ClientFor
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


async def workload(container: Container, client_for: ClientFor) -> None:
    """What a small shop does in a morning, through the API."""
    admin = client_for("admin")
    anonymous = client_for(None)
    created = await admin.post(
        "/auth/users", json={"username": "clara", "password": "a long password 1", "role": "clerk"}
    )
    assert created.status_code == 201, created.text
    changed = await admin.patch(f"/auth/users/{created.json()['id']}", json={"role": "viewer"})
    assert changed.status_code == 200, changed.text
    wrong = await anonymous.post(
        "/auth/login", json={"username": "clara", "password": "not the password"}
    )
    assert wrong.status_code == 401
    right = await anonymous.post(
        "/auth/login", json={"username": "clara", "password": "a long password 1"}
    )
    assert right.status_code == 200, right.text
    product = await make_product(admin, qty_on_hand=20)
    customer = await make_customer(admin)
    for qty in (1, 2, 3):
        await make_order(admin, customer["id"], [{"sku": product["sku"], "qty": qty}])
    await container.bus.drain()


async def status_of(container: Container) -> ChainStatus:
    async with container.uow(readonly=True) as uow:
        assert container.audit is not None
        return await service.verify(uow.session, public_key_pem=container.audit.signer.public_pem)


Tamper = Callable[[list[str]], Awaitable[None]]


@pytest.fixture
def tamper(container: Container) -> Tamper:
    """Run SQL against the audit tables as someone with the database's keys would: the
    append-only triggers are switched off first."""

    async def run(statements: list[str]) -> None:
        engine = container.db.engine
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                for table in ("audit_log", "audit_checkpoints"):
                    await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                for table in ("audit_log", "audit_checkpoints"):
                    for op in ("update", "delete"):
                        await conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{op}"))
            for statement in statements:
                await conn.execute(text(statement))

    return run


async def rows(container: Container, where: str = "") -> list[dict[str, Any]]:
    async with container.db.engine.connect() as conn:
        result = await conn.execute(text(f"SELECT * FROM audit_log {where} ORDER BY seq"))
        return [dict(r._mapping) for r in result]


async def admin_get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()
