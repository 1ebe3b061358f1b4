"""The write unit of work of `pulse.platform.api`: an endpoint's work is committed before a
byte of its answer is sent, and a commit the database refuses is answered with a problem,
never with a 2xx; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pulse.bootstrap import Container
from tests.conftest import TokenFor
from tests.integration.orders.factories import assert_problem, new_email

REFUSED = "Refused at commit"
Send = Callable[[dict[str, Any]], Awaitable[None]]
Watch = Callable[[dict[str, Any]], Awaitable[None]]

# A deferred foreign key is checked by the database at COMMIT, not at the INSERT: a customer
# named REFUSED gets a row in commit_guard that points nowhere, so only its COMMIT fails, after
# the customer, its outbox event and its audit entry were all written in the transaction.
GUARD = {
    "sqlite": [
        "CREATE TABLE commit_guard (customer_id CHAR(32) "
        "REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED)",
        f"CREATE TRIGGER refuse_at_commit AFTER INSERT ON customers WHEN NEW.name = '{REFUSED}' "
        "BEGIN INSERT INTO commit_guard VALUES ('no such customer'); END",
    ],
    "postgresql": [
        "CREATE TABLE commit_guard (customer_id uuid "
        "REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED)",
        "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.name = '{REFUSED}' THEN INSERT INTO commit_guard VALUES (gen_random_uuid()); "
        "END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_at_commit AFTER INSERT ON customers "
        "FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()",
    ],
}


@pytest.fixture
async def other_connection(container: Container) -> AsyncIterator[AsyncEngine]:
    """An engine of its own: what it reads is what the database has committed."""
    engine = create_async_engine(container.settings.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def client_watching(container: Container, token: str, watch: Watch) -> httpx.AsyncClient:
    """A client of the app whose `watch` runs when the app starts its answer, before the
    answer goes on."""
    app = container.app  # type: ignore[attr-defined]

    async def watched(scope: dict[str, Any], receive: Any, send: Send) -> None:
        async def send_after_watching(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await watch(message)
            await send(message)

        await app(scope, receive, send_after_watching)

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=watched),
        base_url="http://pulse.test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def count(engine: AsyncEngine, sql: str, **params: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


async def test_the_answer_starts_after_the_commit(
    container: Container, token_for: TokenFor, other_connection: AsyncEngine
) -> None:
    email = new_email()
    seen_at_start: list[tuple[int, int]] = []

    async def watch(message: dict[str, Any]) -> None:
        found = await count(
            other_connection, "SELECT count(*) FROM customers WHERE email = :e", e=email
        )
        seen_at_start.append((message["status"], found))

    async with client_watching(container, token_for("admin"), watch) as client:
        response = await client.post("/customers", json={"name": "Ada", "email": email})

    assert response.status_code == 201, response.text
    # When the 201 started on its way, another connection already read the customer.
    assert seen_at_start == [(201, 1)]


async def test_a_refused_commit_is_a_problem_and_writes_nothing(
    container: Container, token_for: TokenFor, other_connection: AsyncEngine
) -> None:
    async with other_connection.begin() as conn:
        for statement in GUARD[other_connection.dialect.name]:
            await conn.execute(text(statement))
    events = "SELECT count(*) FROM outbox WHERE type = 'customer.created'"
    audited = "SELECT count(*) FROM audit_log"
    before = (await count(other_connection, events), await count(other_connection, audited))
    statuses: list[int] = []

    async def watch(message: dict[str, Any]) -> None:
        statuses.append(message["status"])

    async with client_watching(container, token_for("admin"), watch) as client:
        refused = await client.post("/customers", json={"name": REFUSED, "email": new_email()})
        # The same request without the refusal goes through: the guard is what failed it.
        kept = await client.post("/customers", json={"name": "Kept", "email": new_email()})

    assert_problem(refused, 409, "conflict")
    assert kept.status_code == 201, kept.text
    # The refused request's only answer was the problem: no 2xx started before it.
    assert statuses == [409, 201]
    names = "SELECT count(*) FROM customers WHERE name = :n"
    assert await count(other_connection, names, n=REFUSED) == 0
    assert await count(other_connection, names, n="Kept") == 1
    after = (await count(other_connection, events), await count(other_connection, audited))
    # Only the kept customer's event and its audit entry were written.
    assert after[0] == before[0] + 1
    assert after[1] == before[1] + 1
