"""Billing's ledger in memory: the chart's roles and the entries booked, each with its
lines, as `LedgerRepository` writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pulse.billing import ledger
from pulse.billing.ledger_repository import ENTRY_COLUMNS, LINE_COLUMNS


class InMemoryLedger:
    def __init__(self) -> None:
        self.roles = {
            ledger.RECEIVABLES: "1100",
            ledger.BANK: "1000",
            ledger.REVENUE: "4000",
            ledger.TAX_PAYABLE: "2100",
        }
        # Each entry booked, with its lines, by entry id.
        self.entries: dict[int, dict[str, Any]] = {}
        self.lines: list[dict[str, Any]] = []

    async def account_codes_by_role(self) -> dict[str, str]:
        return dict(self.roles)

    async def insert_entry(self, entry: dict[str, Any], lines: Sequence[dict[str, Any]]) -> int:
        entry_id = len(self.entries) + 1
        self.entries[entry_id] = dict(entry)
        self.lines.extend({**line, "entry_id": entry_id} for line in lines)
        return entry_id

    async def insert_entries(
        self, rows: list[tuple[Any, ...]], *, posted_at: datetime, number_here: bool
    ) -> Sequence[int]:
        return [
            await self.insert_entry(
                {**dict(zip(ENTRY_COLUMNS, row, strict=True)), "posted_at": posted_at}, []
            )
            for row in rows
        ]

    async def insert_lines(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.lines.extend(dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows)

    def lines_of(self, entry_id: int) -> list[tuple[str, Any, Any]]:
        return sorted(
            (x["account_code"], x["debit"], x["credit"])
            for x in self.lines
            if x["entry_id"] == entry_id
        )
