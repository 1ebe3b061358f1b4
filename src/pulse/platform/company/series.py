"""Document numbering as the admin sees it: each series' prefix, width and next number.

The next number can only move forward, past every number already handed out, however the
change races with documents being numbered: a gapless series (invoices) is changed under
its row's lock with the same guard in the UPDATE itself; a series drawn from a PostgreSQL
sequence (orders) is changed after `ALTER SEQUENCE`, which holds off every `nextval` until
this transaction ends; MariaDB's `SETVAL` never moves a sequence back.
"""

from __future__ import annotations

from sqlalchemy import select, text, update

from pulse.platform.company.audit import record
from pulse.platform.company.events import Changes, NumberingChanged
from pulse.platform.company.schemas import SeriesRead, SeriesUpdate
from pulse.platform.db import rowcount
from pulse.platform.errors import Conflict, NotFound
from pulse.platform.numbering import SEQUENCED, NumberSeries, forget_block, sequence_for
from pulse.platform.uow import UnitOfWork


def _read(row: NumberSeries, next_number: int) -> SeriesRead:
    return _shown(row.name, row.prefix, row.width, next_number)


def _shown(series: str, prefix: str, width: int, next_number: int) -> SeriesRead:
    return SeriesRead(
        series=series,
        prefix=prefix,
        width=width,
        next_number=next_number,
        next_formatted=f"{prefix}{next_number:0{width}d}",
        gapless=series not in SEQUENCED,
    )


def _sequenced(uow: UnitOfWork, series: str) -> bool:
    return series in SEQUENCED and uow.dialect in ("postgresql", "mysql", "mariadb")


async def _sequence_next(uow: UnitOfWork, series: str) -> int:
    """The first number the series' sequence has not handed out."""
    name = sequence_for(series).name
    if uow.dialect == "postgresql":
        row = (await uow.session.execute(text(f"SELECT last_value, is_called FROM {name}"))).one()
        return int(row[0]) + 1 if row[1] else int(row[0])
    # MariaDB: the sequence caches nothing (migration 0010), so this is the next value given.
    value = (
        await uow.session.execute(text(f"SELECT next_not_cached_value FROM {name}"))
    ).scalar_one()
    return int(value)


async def _next(uow: UnitOfWork, row: NumberSeries) -> int:
    if _sequenced(uow, row.name):
        return max(row.next_value, await _sequence_next(uow, row.name))
    return row.next_value


async def list_series(uow: UnitOfWork) -> list[SeriesRead]:
    rows = (await uow.session.scalars(select(NumberSeries).order_by(NumberSeries.name))).all()
    return [_read(row, await _next(uow, row)) for row in rows]


async def update_series(uow: UnitOfWork, series: str, data: SeriesUpdate) -> SeriesRead:
    wanted = data.model_dump(exclude_unset=True)
    sequenced = _sequenced(uow, series)
    if sequenced and uow.dialect == "postgresql" and "next_number" in wanted:
        # Taken before reading: no nextval can hand out a number between the check and
        # the setval below.
        await uow.session.execute(
            text(f"ALTER SEQUENCE {sequence_for(series).name} INCREMENT BY 1")
        )
    row = (
        await uow.session.scalars(
            select(NumberSeries)
            .where(NumberSeries.name == series)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no numbering series '{series}'", field="series")
    current = await _next(uow, row)
    before: dict[str, str | int | bool | None] = {
        "prefix": row.prefix,
        "width": row.width,
        "next_number": current,
    }
    after = {**before, **wanted}
    if after["next_number"] < current:
        raise Conflict(
            f"the next {series} number cannot go back below {current}: numbers up to "
            f"{current - 1} may already have been issued",
            code="numbering_would_go_back",
            field="next_number",
        )
    changes: Changes = {k: (before[k], after[k]) for k in after if after[k] != before[k]}
    if not changes:
        return _read(row, current)
    values = {"prefix": after["prefix"], "width": after["width"]}
    if not sequenced:
        values["next_value"] = after["next_number"]
    # The guard again in the statement: a number is never below what was issued.
    guard = NumberSeries.next_value <= after["next_number"]
    result = await uow.session.execute(
        update(NumberSeries)
        .where(NumberSeries.name == series, guard)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Conflict(
            f"the {series} series moved on meanwhile; read it again",
            code="numbering_would_go_back",
            field="next_number",
        )
    if sequenced and after["next_number"] > current:
        name = sequence_for(series).name
        await uow.session.execute(
            text(
                f"SELECT setval('{name}', :value)"
                if uow.dialect == "postgresql"
                else f"SELECT SETVAL({name}, :value)"
            ),
            {"value": after["next_number"] - 1},
        )
    record(uow, NumberingChanged(series=series, changes=changes))
    uow.after_commit(lambda: forget_block(uow.db, series))
    return _shown(series, after["prefix"], after["width"], after["next_number"])
