"""Shared fixtures: a migrated database per test on SQLite or PostgreSQL, a wired container,
an HTTP client per role."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pulse.app import create_app
from pulse.bootstrap import Container, build_container
from pulse.platform.migrate import upgrade
from pulse.platform.observability import configure_logging
from pulse.platform.settings import Settings
from tests import servers
from tests.servers import app_lifespan

# The run fails if a process the tests started is still alive at its end.
pytest_plugins = ["tests.leftovers"]
_counter = itertools.count()
# Plain JSON lines: the console renderer's rich tracebacks are slow on large frames.
configure_logging("INFO", json=True)
BACKENDS = ["sqlite", "postgres"]

# Under pytest-xdist (`make test` runs `-n 2 --dist=loadgroup`) the tests of one group run one
# after another on one worker. Everything else is isolated already (free ports, a database,
# stream and temporary folder of its own per test, a PostgreSQL template per worker). The
# groups share what is not:
# - "heavy": the tests that hold many PostgreSQL connections at once (races of up to 200
#   requests, servers in subprocesses under a stream of orders) or kill and restart servers
#   against deadlines. PostgreSQL takes 100 connections; two of these side by side took more
#   (the refused ones answer 503), and two killers side by side miss their deadlines on a
#   two-core machine. Every other test's pool stays small (`settings` below).
# - "nats-cluster": the three-server NATS cluster's tests.
# - "sql-time-limits": the time-bounded SQL worker tests.
HEAVY = "heavy"
XDIST_GROUPS = {
    "tests/integration/cluster/test_failover.py": HEAVY,
    "tests/integration/bus/test_crash.py": HEAVY,
    "tests/integration/orders/test_race.py": HEAVY,
    "tests/integration/auth/test_throttle_race.py": HEAVY,
    "tests/integration/audit/test_concurrency.py": HEAVY,
    "tests/integration/settings/test_numbering_race.py": HEAVY,
    "tests/integration/inventory/test_batch_reservations.py": HEAVY,
    "tests/integration/test_flow_process.py": HEAVY,
    "tests/integration/cluster/": "nats-cluster",
    "tests/unit/analytics/test_sandbox.py": "sql-time-limits",
    "tests/unit/analytics/test_sql_process.py": "sql-time-limits",
}


def xdist_group_of(nodeid: str) -> str | None:
    """The first group whose path starts the test's id (longer paths listed first)."""
    return next((g for path, g in XDIST_GROUPS.items() if nodeid.startswith(path)), None)


# First: xdist then renames each grouped test "<id>@<group>" for its scheduler.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if group := xdist_group_of(item.nodeid):
            item.add_marker(pytest.mark.xdist_group(group))


# -- database templates (migrated once per session) ------------------------------------------
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host=servers.PG_HOST,
        port=servers.PG_PORT,
        user=servers.PG_USER,
        database=servers.PG_ADMIN_DB,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{servers.PG_USER}@{servers.PG_HOST}:{servers.PG_PORT}/{database}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    servers.require("PostgreSQL", servers.PG_HOST, servers.PG_PORT)
    name = f"pulse_tpl_{os.getpid()}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    upgrade(pg_url(name))
    yield name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def fresh_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "pulse.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"pulse_t_{os.getpid()}_{next(_counter)}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield pg_url(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-speaking server (moto) on loopback, for the S3 object store."""
    from moto.server import ThreadedMotoServer

    # Port 0: the OS picks a free port when binding and the server reports it back.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on each of the three backends, for race tests."""
    if request.param == "mariadb":
        from tests.integration import mariadb

        with mariadb.fresh_database() as url:
            upgrade(url)
            yield url
        return
    yield from fresh_database(request, request.param, tmp_path)


@pytest.fixture
async def bare_container(race_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    """The database side of the product only: no bus, no consumers, no HTTP."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=race_url,
        jwt_secret="test-secret-" + "x" * 40,
        db_pool_size=15,
    )
    container = build_container(settings, run_consumers=False)
    try:
        yield container
    finally:
        await container.db.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request, backend, tmp_path)


# -- the product -----------------------------------------------------------------------------
@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        bus_url="embedded",
        jwt_secret="test-secret-" + "x" * 40,
        admin_password="admin-password-1",
        relay_poll_seconds=0.05,
        # At most 20 connections (10 + 10 overflow): beside a "heavy" test on the other
        # worker, PostgreSQL's 100 are never all taken. Tests that need more override it.
        db_pool_size=10,
        # Render in a thread: a render process per test would only add start-up time
        # (the process pool has its own test).
        render_processes=0,
    )


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    c = build_container(settings)
    app = create_app(c)
    async with app_lifespan(app):
        c.app = app  # type: ignore[attr-defined]
        yield c


TokenFor = Callable[[str], str]


@pytest.fixture
def token_for(container: Container) -> TokenFor:
    def make(role: str) -> str:
        return container.tokens.issue(user_id=uuid.uuid4(), username=f"test-{role}", role=role)

    return make


ClientFor = Callable[[str | None], httpx.AsyncClient]


@pytest.fixture
async def client_for(container: Container, token_for: TokenFor) -> AsyncIterator[ClientFor]:
    clients: list[httpx.AsyncClient] = []

    def make(role: str | None = "admin") -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token_for(role)}"} if role else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=container.app),  # type: ignore[attr-defined]
            base_url="http://pulse.test",
            headers=headers,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def client(client_for: ClientFor) -> httpx.AsyncClient:
    return client_for("admin")
