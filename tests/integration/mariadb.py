"""A throwaway MariaDB database for the tests that cover the third backend.

The shared fixtures run on SQLite and PostgreSQL; the race and migration tests also run on
MariaDB, each in a database of its own that is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests import servers

USER = "root"
ADMIN_DB = "test"


def url(database: str) -> str:
    return f"mysql+asyncmy://{USER}@{servers.MARIADB_HOST}:{servers.MARIADB_PORT}/{database}"


async def _admin(sql: str) -> None:
    engine = create_async_engine(url(ADMIN_DB), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty database, yield its URL, drop it. Call only outside an event loop."""
    servers.require("MariaDB", servers.MARIADB_HOST, servers.MARIADB_PORT)
    name = f"pulse_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f"CREATE DATABASE `{name}`"))
    try:
        yield url(name)
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS `{name}`"))
