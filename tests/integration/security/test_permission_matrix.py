"""The permission matrix, held against every role (and no token) on SQLite.

Every operation of the OpenAPI document has a row in `matrix.MATRIX`, and every row an
operation. Each case is called as each role on real records: a role that lacks what it needs
gets a 403 problem+json (401 without a token) and the database is left exactly as it was
(every table, the outbox included); a role that has it never gets a 401 or 403.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pulse.app import create_app
from pulse.bootstrap import Container
from pulse.models import metadata
from pulse.platform.auth.permissions import ROLE_PERMISSIONS, Role, permissions_for
from pulse.platform.settings import Settings
from tests.conftest import ClientFor, TokenFor
from tests.integration.orders.factories import assert_problem
from tests.integration.security.matrix import MATRIX, PUBLIC, SIGNED_IN, STREAMS, Case, Scenario

ROLES: tuple[str | None, ...] = (*(role.value for role in Role), None)
METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
CASES = [(key, case) for key, cases in MATRIX.items() for case in cases]


@pytest.fixture
def backend() -> str:
    return "sqlite"


def allows(case: Case, role: str | None) -> bool:
    if case.needs == PUBLIC:
        return True
    if role is None:
        return False
    return case.needs == SIGNED_IN or case.needs <= permissions_for(role)


def case_id(item: tuple[tuple[str, str], Case]) -> str:
    (method, path), case = item
    return f"{method} {path}" + (f" ({case.label})" if case.label else "")


def test_every_operation_has_a_row_and_every_row_an_operation() -> None:
    document = create_app(settings=Settings(data_dir=Path("/nonexistent"))).openapi()
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    assert not operations - set(MATRIX), f"operations without a row: {operations - set(MATRIX)}"
    assert not set(MATRIX) - operations, f"rows without an operation: {set(MATRIX) - operations}"
    known = frozenset().union(*ROLE_PERMISSIONS.values())
    for key, cases in MATRIX.items():
        assert cases, key
        for case in cases:
            assert case.needs in (PUBLIC, SIGNED_IN) or case.needs <= known, (key, case.needs)


async def snapshot(container: Container) -> dict[str, list[str]]:
    """Every row of every table."""
    async with container.uow(readonly=True) as uow:
        tables = {}
        for table in metadata.sorted_tables:
            rows = (await uow.session.execute(select(table))).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
        return tables


async def stream_status(container: Container, path: str, token: str) -> int:
    """The status a never-ending stream starts with (httpx's ASGI transport would wait for
    the end of the body)."""
    app = container.app  # type: ignore[attr-defined]
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never hangs up; the task is cancelled
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"pulse.test"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("pulse.test", 80),
    }
    task = asyncio.create_task(app(scope, receive, send))
    try:
        return await asyncio.wait_for(started, timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def fill(template: str, scenario: Scenario) -> str:
    names = re.findall(r"{(\w+)}", template)
    values = {name: await scenario.path_value(name) for name in names}
    return template.format(**values)


@pytest.mark.parametrize("item", CASES, ids=case_id)
async def test_operation_as_each_role(
    item: tuple[tuple[str, str], Case],
    container: Container,
    client_for: ClientFor,
    token_for: TokenFor,
) -> None:
    (method, template), case = item
    scenario = Scenario(client_for("admin"), client_for(None), container)
    path = await fill(template, scenario)
    clients = {role: client_for(role) for role in ROLES}
    # The refused first, so a role let through cannot have changed what they would meet.
    for role in sorted(ROLES, key=lambda r: allows(case, r)):
        body = await case.body(scenario) if case.body else None
        assert await container.bus.drain()
        if allows(case, role):
            if (method, template) in STREAMS:
                assert role is not None
                status = await stream_status(container, path, token_for(role))
            else:
                response = await clients[role].request(method, path, params=case.params, json=body)
                status = response.status_code
            assert status not in (401, 403), (role, status)
            assert status < 500, (role, status)
            continue
        before = await snapshot(container)
        response = await clients[role].request(method, path, params=case.params, json=body)
        problem = assert_problem(response, 401 if role is None else 403)
        assert problem["code"] in ("unauthorized", "forbidden"), problem
        assert await container.bus.drain()
        assert await snapshot(container) == before, f"{role} was refused but something changed"
