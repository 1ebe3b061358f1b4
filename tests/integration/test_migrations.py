"""The Alembic tree on SQLite, PostgreSQL and MariaDB: upgrade to head, down to base and up
again, and after each upgrade the schema matches the models exactly (what `alembic check`
verifies)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import String, column, inspect, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from pulse.models import metadata
from pulse.platform.migrate import alembic_config, downgrade, upgrade
from tests import servers
from tests.conftest import _pg_admin, pg_url
from tests.integration import mariadb


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    elif request.param == "postgres":
        servers.require("PostgreSQL", servers.PG_HOST, servers.PG_PORT)
        name = f"pulse_mig_{os.getpid()}_{tmp_path.name[-20:]}".replace("-", "_").lower()
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            yield pg_url(name)
        finally:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        with mariadb.fresh_database() as url:
            yield url


def _inspect(connection: Connection) -> dict[str, Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return {
        "tables": set(inspect(connection).get_table_names()),
        "revision": context.get_current_revision(),
        "diff": compare_metadata(context, metadata),
        "series": connection.execute(
            select(column("name", String)).select_from(table("number_series"))
        )
        .scalars()
        .all()
        if inspect(connection).has_table("number_series")
        else None,
    }


def state(url: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(_inspect)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_upgrade_downgrade_upgrade_matches_the_models(empty_database: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(empty_database)).get_current_head()
    model_tables = set(metadata.tables)

    upgrade(empty_database)
    first = state(empty_database)
    assert first["revision"] == head
    assert first["tables"] == model_tables | {"alembic_version"}
    assert first["diff"] == []
    assert sorted(first["series"]) == ["credit_notes", "invoices", "orders"]

    downgrade(empty_database, "base")
    bare = state(empty_database)
    assert bare["revision"] is None
    assert bare["tables"] <= {"alembic_version"}

    upgrade(empty_database)
    again = state(empty_database)
    assert again["revision"] == head
    assert again["tables"] == first["tables"]
    assert again["diff"] == []
    assert sorted(again["series"]) == ["credit_notes", "invoices", "orders"]
