"""Document numbering series (SO-000123, INV-000045): one row per series, bumped under the
row's lock inside the caller's transaction, so numbers never repeat and, for series that
must have no gaps, a rolled-back transaction gives its number back."""

from __future__ import annotations

from sqlalchemy import Integer, Sequence, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base
from pulse.platform.uow import UnitOfWork


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
    return (await next_numbers(uow, series, 1, gapless=gapless))[0]


async def next_numbers(
    uow: UnitOfWork, series: str, count: int, *, gapless: bool = True
) -> list[str]:
    """`count` consecutive numbers (a block for bulk imports), by the rules above."""
    session = uow.session
    if gapless or uow.db.is_sqlite:
        bump = (
            update(NumberSeries)
            .where(NumberSeries.name == series)
            .values(next_value=NumberSeries.next_value + count)
        )
        if uow.dialect in ("sqlite", "postgresql"):
            # One statement: the row as bumped (MariaDB has no UPDATE … RETURNING).
            row = (
                await session.execute(
                    bump.returning(NumberSeries.prefix, NumberSeries.width, NumberSeries.next_value)
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
                if result.rowcount == 1  # type: ignore[attr-defined]
                else None
            )
        if row is None:
            raise LookupError(f"numbering series {series!r} does not exist")
        prefix, width, after = row
        values = list(range(after - count, after))
    else:
        next_value = select(sequence_for(series).next_value())
        values = [int((await session.execute(next_value)).scalar_one()) for _ in range(count)]
        prefix, width = (
            await session.execute(
                select(NumberSeries.prefix, NumberSeries.width).where(NumberSeries.name == series)
            )
        ).one()
    return [f"{prefix}{value:0{width}d}" for value in values]


def sequence_for(series: str) -> Sequence:
    return Sequence(f"{series}_number_seq")
