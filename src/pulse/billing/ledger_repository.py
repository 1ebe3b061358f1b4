"""The SQL of the ledger: the chart of accounts, journal entries and their lines, and the
account totals a trial balance is made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, insert, select

from pulse.billing.models import Account, JournalEntry, JournalLine
from pulse.billing.repository import page_of
from pulse.platform.bulk import insert_rows
from pulse.platform.uow import Repository


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


# Column orders of the rows `insert_entries` and `insert_lines` take.
ENTRY_COLUMNS = ("entry_date", "description", "source_type", "source_id", "created_by")
LINE_COLUMNS = ("entry_id", "account_code", "debit", "credit")


class LedgerRepository(Repository):
    """The statements of the ledger (accounts, journal entries and their lines), on one unit of
    work's session (`uow.repo(LedgerRepository)`)."""

    __slots__ = ()

    async def accounts(self) -> list[Account]:
        return list((await self.session.execute(select(Account).order_by(Account.code))).scalars())

    async def account_codes_by_role(self) -> dict[str, str]:
        rows = await self.session.execute(
            select(Account.role, Account.code).where(Account.role.is_not(None))
        )
        return {role: code for role, code in rows if role is not None}  # the query asks for roles

    async def insert_entry(self, entry: dict[str, Any], lines: Sequence[dict[str, Any]]) -> int:
        entry_id = (
            await self.session.execute(
                insert(JournalEntry).values(**entry).returning(JournalEntry.id)
            )
        ).scalar_one()
        await self.session.execute(
            JournalLine.__table__.insert(), [{**line, "entry_id": entry_id} for line in lines]
        )
        return int(entry_id)

    async def insert_entries(
        self, rows: list[tuple[Any, ...]], *, posted_at: datetime, number_here: bool
    ) -> Sequence[int]:
        """Insert entry rows (in `ENTRY_COLUMNS` order); their ids, in the same order.

        `number_here`: where writers are serialised (SQLite: the transaction holds the write
        lock from its BEGIN IMMEDIATE) the ids after the largest are ours to give; elsewhere
        the database numbers them and each comes back with the document it books."""
        same = {"reverses_entry_id": None, "posted_at": posted_at}
        if number_here:
            last = (await self.session.execute(select(func.max(JournalEntry.id)))).scalar_one()
            ids = range((last or 0) + 1, (last or 0) + 1 + len(rows))
            await insert_rows(
                self.session,
                JournalEntry.__table__,
                ("id", *ENTRY_COLUMNS),
                [(entry_id, *row) for entry_id, row in zip(ids, rows, strict=True)],
                same=same,
            )
            return ids
        table = JournalEntry.__table__
        result = await self.session.execute(
            table.insert().returning(table.c.id, table.c.source_type, table.c.source_id),
            [{**dict(zip(ENTRY_COLUMNS, row, strict=True)), **same} for row in rows],
        )
        id_of = {(source_type, source_id): entry_id for entry_id, source_type, source_id in result}
        return [id_of[(row[2], row[3])] for row in rows]

    async def insert_lines(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert entry lines, in `LINE_COLUMNS` order."""
        await insert_rows(self.session, JournalLine.__table__, LINE_COLUMNS, rows)

    async def entry_for(self, source_type: str, source_id: str) -> JournalEntry | None:
        query = select(JournalEntry).where(
            JournalEntry.source_type == source_type, JournalEntry.source_id == source_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lines_of_entries(self, entry_ids: Sequence[int]) -> list[tuple[JournalLine, str]]:
        if not entry_ids:
            return []
        rows = await self.session.execute(
            select(JournalLine, Account.name)
            .join(Account, Account.code == JournalLine.account_code)
            .where(JournalLine.entry_id.in_(entry_ids))
            .order_by(JournalLine.entry_id, JournalLine.id)
        )
        return [(line, name) for line, name in rows]

    async def search_entries(
        self,
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
        return await page_of(self.session, query, *order, limit=limit, offset=offset)

    async def account_totals(
        self, *, as_of: date | None = None
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
        rows = await self.session.execute(query)
        return {code: (debit, credit) for code, debit, credit in rows}
