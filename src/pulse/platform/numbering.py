"""Document numbering series (SO-000123, INV-000045): one row per series, bumped under the
row's lock inside the caller's transaction, so numbers never repeat and, for series that
must have no gaps, a rolled-back transaction gives its number back.

Series that may have gaps (orders) are handed out from a block held in this process's
memory: one statement takes `BLOCK` numbers, the next calls take them without any. On
PostgreSQL the block comes from the series' sequence (which no transaction gives back), so
it is usable at once; on SQLite the block is the series row bumped in the caller's
transaction, and only once that commits are its other numbers used (a rollback gives the
block back to the row and none of it is used here). Numbers stay unique across processes;
they are increasing within one process, not across several, and a stopped process leaves
the rest of its block unused.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from sqlalchemy import Integer, Sequence, String, bindparam, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, Database, rowcount
from pulse.platform.uow import Repository, UnitOfWork

# Numbers of a non-gapless series one statement takes into memory.
BLOCK = 100
# The series that may have gaps: on PostgreSQL and MariaDB their numbers come from a
# database sequence (made by the migrations), not from the series row.
SEQUENCED = frozenset({"orders"})


class NumberSeries(Base):
    __tablename__ = "number_series"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer, default=6)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


async def next_number(uow: UnitOfWork, series: str, *, gapless: bool = True) -> str:
    """The next number of a series.

    A gapless series (invoices) is bumped inside the caller's transaction, so its row stays
    locked until that commits and a rollback gives the number back. Other series (orders)
    take their value from a database sequence on PostgreSQL and MariaDB, which locks
    nothing, so concurrent callers do not queue behind each other's whole transaction; a
    rolled-back caller leaves a gap. SQLite serialises writers anyway and uses the row.
    """
    if gapless or uow.dialect not in ("sqlite", "postgresql"):
        return (await next_numbers(uow, series, 1, gapless=gapless))[0]
    pool = _pools.setdefault(uow.db, {}).setdefault(series, _Pool())
    if pool.values:
        return pool.format(pool.values.pop())
    if uow.dialect == "postgresql":
        prefix, width, values = await uow.repo(NumberSeriesRepository).from_sequence(series, BLOCK)
        pool.prefix, pool.width = prefix, width
        pool.values.extend(reversed(values[1:]))
        return pool.format(values[0])
    prefix, width, after = await uow.repo(NumberSeriesRepository).bump(series, BLOCK)
    first = after - BLOCK
    rest = list(range(after - 1, first, -1))

    def keep() -> None:
        # Committed: the row has moved past the block, so its other numbers are ours.
        pool.prefix, pool.width = prefix, width
        pool.values.extend(rest)

    uow.after_commit(keep)
    return f"{prefix}{first:0{width}d}"


@dataclass
class _Pool:
    prefix: str = ""
    width: int = 6
    # Popped from the end: the lowest number last in the list.
    values: list[int] = field(default_factory=list)

    def format(self, value: int) -> str:
        return f"{self.prefix}{value:0{self.width}d}"


_pools: weakref.WeakKeyDictionary[Database, dict[str, _Pool]] = weakref.WeakKeyDictionary()


def forget_block(db: Database, series: str) -> None:
    """Drop the numbers of `series` this process holds in memory (its prefix, width or next
    number changed): the next call takes a new block as the series now says."""
    _pools.get(db, {}).pop(series, None)


_SERIES = NumberSeries.__table__.c
_BUMP = (
    NumberSeries.__table__.update()
    .where(_SERIES.name == bindparam("series"))
    .values(next_value=_SERIES.next_value + bindparam("count"))
    .returning(_SERIES.prefix, _SERIES.width, _SERIES.next_value)
)


class NumberSeriesRepository(Repository):
    """The statements on the series rows and sequences, on one unit of work's session."""

    __slots__ = ()

    async def bump(self, series: str, count: int) -> tuple[str, int, int]:
        """Move the series row on by `count` (SQLite, PostgreSQL): (prefix, width, next
        value)."""
        connection = await self.session.connection()
        row = (await connection.execute(_BUMP, {"series": series, "count": count})).one_or_none()
        if row is None:
            raise LookupError(f"numbering series {series!r} does not exist")
        return row[0], row[1], row[2]

    async def from_sequence(self, series: str, count: int) -> tuple[str, int, list[int]]:
        """`count` values of the series' PostgreSQL sequence, with the series' prefix and
        width."""
        taken = select(sequence_for(series).next_value()).select_from(
            func.generate_series(1, count)
        )
        values = sorted(int(v) for v in (await self.session.execute(taken)).scalars())
        row = (
            await self.session.execute(
                select(NumberSeries.prefix, NumberSeries.width).where(NumberSeries.name == series)
            )
        ).one_or_none()
        if row is None:
            raise LookupError(f"numbering series {series!r} does not exist")
        return row[0], row[1], values

    async def take(
        self, series: str, count: int, *, gapless: bool, dialect: str
    ) -> tuple[str, int, list[int]]:
        """`count` consecutive values of the series by the rules of `next_numbers`, with its
        prefix and width."""
        session = self.session
        if gapless or dialect == "sqlite":
            bump = (
                update(NumberSeries)
                .where(NumberSeries.name == series)
                .values(next_value=NumberSeries.next_value + count)
            )
            if dialect in ("sqlite", "postgresql"):
                # One statement: the row as bumped (MariaDB has no UPDATE … RETURNING).
                row = (
                    await session.execute(
                        bump.returning(
                            NumberSeries.prefix, NumberSeries.width, NumberSeries.next_value
                        )
                    )
                ).one_or_none()
            else:
                result = await session.execute(bump)
                row = (
                    (
                        await session.execute(
                            select(
                                NumberSeries.prefix, NumberSeries.width, NumberSeries.next_value
                            ).where(NumberSeries.name == series)
                        )
                    ).one_or_none()
                    if rowcount(result) == 1
                    else None
                )
            if row is None:
                raise LookupError(f"numbering series {series!r} does not exist")
            prefix, width, after = row
            return prefix, width, list(range(after - count, after))
        next_value = select(sequence_for(series).next_value())
        values = [int((await session.execute(next_value)).scalar_one()) for _ in range(count)]
        prefix, width = (
            await session.execute(
                select(NumberSeries.prefix, NumberSeries.width).where(NumberSeries.name == series)
            )
        ).one()
        return prefix, width, values


async def next_numbers(
    uow: UnitOfWork, series: str, count: int, *, gapless: bool = True
) -> list[str]:
    """`count` consecutive numbers (a block for bulk imports), by the rules above."""
    prefix, width, values = await uow.repo(NumberSeriesRepository).take(
        series, count, gapless=gapless, dialect=uow.dialect
    )
    return [f"{prefix}{value:0{width}d}" for value in values]


def sequence_for(series: str) -> Sequence:
    return Sequence(f"{series}_number_seq")
