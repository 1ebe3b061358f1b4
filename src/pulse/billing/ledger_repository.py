"""The SQL of the ledger: the chart of accounts, journal entries and their lines, and the
account totals a trial balance is made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.billing.models import Account, JournalEntry, JournalLine
from pulse.billing.repository import page_of


async def accounts(session: AsyncSession) -> list[Account]:
    return list((await session.execute(select(Account).order_by(Account.code))).scalars())


async def account_codes_by_role(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(
        select(Account.role, Account.code).where(Account.role.is_not(None))
    )
    return {role: code for role, code in rows if role is not None}  # the query asks for roles


async def insert_entry(
    session: AsyncSession, entry: dict[str, Any], lines: Sequence[dict[str, Any]]
) -> int:
    entry_id = (
        await session.execute(insert(JournalEntry).values(**entry).returning(JournalEntry.id))
    ).scalar_one()
    await session.execute(
        JournalLine.__table__.insert(), [{**line, "entry_id": entry_id} for line in lines]
    )
    return int(entry_id)


async def entry_for(session: AsyncSession, source_type: str, source_id: str) -> JournalEntry | None:
    query = select(JournalEntry).where(
        JournalEntry.source_type == source_type, JournalEntry.source_id == source_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def lines_of_entries(
    session: AsyncSession, entry_ids: Sequence[int]
) -> list[tuple[JournalLine, str]]:
    if not entry_ids:
        return []
    rows = await session.execute(
        select(JournalLine, Account.name)
        .join(Account, Account.code == JournalLine.account_code)
        .where(JournalLine.entry_id.in_(entry_ids))
        .order_by(JournalLine.entry_id, JournalLine.id)
    )
    return [(line, name) for line, name in rows]


def _journal_filter(
    query: Select[Any], *, account: str | None, date_from: date | None, date_to: date | None
) -> Select[Any]:
    if account:
        query = query.where(
            JournalEntry.id.in_(
                select(JournalLine.entry_id).where(JournalLine.account_code == account)
            )
        )
    if date_from:
        query = query.where(JournalEntry.entry_date >= date_from)
    if date_to:
        query = query.where(JournalEntry.entry_date <= date_to)
    return query


async def search_entries(
    session: AsyncSession,
    *,
    account: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[JournalEntry], int]:
    query = _journal_filter(
        select(JournalEntry), account=account, date_from=date_from, date_to=date_to
    )
    order = (JournalEntry.entry_date.desc(), JournalEntry.id.desc())
    return await page_of(session, query, *order, limit=limit, offset=offset)


async def account_totals(
    session: AsyncSession, *, as_of: date | None = None
) -> dict[str, tuple[Decimal, Decimal]]:
    """Sum of debits and credits per account, up to and including `as_of`."""
    query = (
        select(
            JournalLine.account_code,
            func.coalesce(func.sum(JournalLine.debit), 0),
            func.coalesce(func.sum(JournalLine.credit), 0),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .group_by(JournalLine.account_code)
    )
    if as_of is not None:
        query = query.where(JournalEntry.entry_date <= as_of)
    # sum() and coalesce() take the column's type, so amounts come back exact on every backend.
    rows = await session.execute(query)
    return {code: (debit, credit) for code, debit, credit in rows}
