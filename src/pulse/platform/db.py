"""Declarative base, portable column types, engine and session factories.

One `Database` object per process wires the engine. SQLite (the embedded default) gets WAL,
`BEGIN IMMEDIATE` for write transactions and one in-process writer lock, so concurrent
requests queue instead of failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, TypeVar, cast

from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, Select, Table, event
from sqlalchemy.engine import CursorResult, Dialect, Result, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from pulse.platform.sqlite_inline import connector
from pulse.platform.writer_lock import LANES, FileWriterLock, WriterLock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model maps one table (no mapping to a join or a select), so its `__table__` is a
    # `Table`: typed so, Core statements (`Model.__table__.insert()`) check without casts.
    __table__: ClassVar[Table]


_Row = TypeVar("_Row")


async def one_or_none(
    session: AsyncSession, query: Select[_Row], *, lock: bool = False
) -> _Row | None:
    """The one row the query finds, or None; with `lock`, locked (SELECT … FOR UPDATE) until
    the transaction ends."""
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched. `AsyncSession.execute` is typed as returning a
    `Result`; for those statements it is a `CursorResult`, which has the count."""
    return cast(CursorResult[Any], result).rowcount


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal with a fixed scale: NUMERIC where the database has it, scaled integers on SQLite.

    SQLite has no exact decimal type (NUMERIC falls back to binary floating point), so there
    the value is stored as an integer count of 10**-scale units. Sums stay exact and come
    back as Decimal through this same type.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 14, scale: int = 2) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = Decimal(10) ** scale

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        if dialect.name == "sqlite":
            return int(exact * self._factor)
        return exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._factor).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def Money() -> ExactDecimal:  # noqa: N802 - reads like a type in model declarations
    return ExactDecimal(14, 2)


def Rate() -> ExactDecimal:  # noqa: N802
    return ExactDecimal(7, 4)


class PricedLine:
    """The columns a priced document line (of an order, an invoice, a credit note) ends
    with, after its own: the unit price and tax rate, and the amounts rounded from them."""

    unit_price: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Rate())
    line_total: Mapped[Decimal] = mapped_column(Money())
    line_tax: Mapped[Decimal] = mapped_column(Money())


class Database:
    """Engine, session factory and the SQLite writer lock for one process."""

    def __init__(
        self, url: str, *, pool_size: int = 20, echo: bool = False, sqlite_inline: bool = True
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
            path = make_url(url).database
            if sqlite_inline and path and path != ":memory:":
                kwargs["async_creator"] = connector(path, timeout=5)
        elif pool_size > 0:
            # No pre-ping: it costs a round trip per checkout; a disconnect error instead
            # invalidates the whole pool, and callers (consumer loops) retry.
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        else:
            kwargs["poolclass"] = NullPool
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.dialect = self.engine.dialect.name
        # Repositories write with UPDATE statements and re-read what they need, so the ORM
        # need not mirror those updates into loaded objects (a measurable cost per statement).
        self.sessionmaker = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            autoflush=False,
            execution_options={"synchronize_session": False},
        )
        self._writer_lock = WriterLock() if self.is_sqlite else None
        # Between processes on one SQLite file (the order flow's process beside the API, a
        # command beside the server): taken after this process's own lock.
        self._file_lock: FileWriterLock | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            path = make_url(url).database
            if path and path != ":memory:" and not path.startswith("file:"):
                self._file_lock = FileWriterLock(f"{path}-writer")

    def writers_waiting(self) -> int:
        """Requests queued for the write lock in this process (SQLite only; 0 elsewhere)."""
        return self._writer_lock.waiting() if self._writer_lock is not None else 0

    @contextlib.asynccontextmanager
    async def writer(self, *, priority: bool = False) -> AsyncIterator[None]:
        """Serialise write transactions, in this process and between the processes on
        one file (SQLite only)."""
        if self._writer_lock is None:
            yield
            return
        waited, held = LANES[priority]
        asked = time.perf_counter()
        await self._writer_lock.acquire(priority=priority)
        try:
            if self._file_lock is not None:
                await self._file_lock.acquire(priority=priority)
            taken = time.perf_counter()
            waited.observe(taken - asked)
            try:
                yield
            finally:
                held.observe(time.perf_counter() - taken)
                if self._file_lock is not None:
                    self._file_lock.release()
        finally:
            self._writer_lock.release()

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._file_lock is not None:
            self._file_lock.close()
            self._file_lock = None


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        # Switching to WAL takes an exclusive lock; a file already in WAL mode (every file
        # after its first connection) is only asked, so a new connection opened while
        # another one writes does not wait for it.
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


async def open_session(db: Database, *, readonly: bool) -> AsyncSession:
    session = db.sessionmaker()
    if db.is_sqlite and readonly:
        conn = await session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        del conn
    return session
