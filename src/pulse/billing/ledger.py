"""The double-entry ledger: posting balanced journal entries, reversing them, and reading
accounts, the journal and the trial balance.

Postings name an account by its role (receivables, revenue …), so renaming or renumbering
the chart of accounts changes no code. Entries are inserted, never updated or deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from pulse.billing.ledger_repository import LedgerRepository
from pulse.billing.schemas import (
    AccountRead,
    AccountType,
    JournalEntryRead,
    JournalLineRead,
    JournalPage,
    TrialBalance,
    TrialBalanceRow,
)
from pulse.platform.errors import InvalidInput
from pulse.platform.events import utcnow
from pulse.platform.money import ZERO
from pulse.platform.uow import UnitOfWork

# Account roles the postings use; the migration gives each one an account.
RECEIVABLES = "receivables"
REVENUE = "revenue"
SALES_RETURNS = "sales_returns"
TAX_PAYABLE = "tax_payable"
REFUNDS_PAYABLE = "refunds_payable"
CASH = "cash"
BANK = "bank"
CARD_CLEARING = "card_clearing"

# Where the money of a payment lands.
METHOD_ACCOUNT = {"cash": CASH, "card": CARD_CLEARING, "bank_transfer": BANK, "cheque": BANK}

DEBIT_NORMAL = {AccountType.ASSET, AccountType.EXPENSE}


class UnbalancedEntry(RuntimeError):
    """A posting whose debits and credits differ: a bug, never a user error."""


def debit(role: str, amount: Decimal) -> tuple[str, Decimal, Decimal]:
    return role, amount, ZERO


def credit(role: str, amount: Decimal) -> tuple[str, Decimal, Decimal]:
    return role, ZERO, amount


async def post(
    uow: UnitOfWork,
    *,
    entry_date: date,
    description: str,
    source_type: str,
    source_id: str,
    postings: Iterable[tuple[str, Decimal, Decimal]],
) -> int | None:
    """Book one balanced entry. Returns its id, or None when every amount is zero."""
    codes = await uow.repo(LedgerRepository).account_codes_by_role()
    lines = _balanced_lines(codes, source_type, source_id, postings)
    if not lines:
        return None
    return await uow.repo(LedgerRepository).insert_entry(
        {
            "entry_date": entry_date,
            "description": description[:300],
            "source_type": source_type,
            "source_id": source_id,
            "reverses_entry_id": None,
            "created_by": uow.actor,
            "posted_at": utcnow(),
        },
        [{"account_code": code, "debit": dr, "credit": cr} for code, dr, cr in lines],
    )


def _balanced_lines(
    codes: dict[str, str],
    source_type: str,
    source_id: str,
    postings: Iterable[tuple[str, Decimal, Decimal]],
) -> list[tuple[str, Decimal, Decimal]]:
    """The entry's lines, one per account and side, as (account code, debit, credit)."""
    per_account: dict[tuple[str, bool], Decimal] = {}
    for role, dr, cr in postings:
        if dr < 0 or cr < 0:
            raise UnbalancedEntry(f"negative amount posted to {role}")
        code = codes[role]
        if dr:
            per_account[(code, True)] = per_account.get((code, True), ZERO) + dr
        if cr:
            per_account[(code, False)] = per_account.get((code, False), ZERO) + cr
    lines = [
        (code, amount, ZERO) if is_debit else (code, ZERO, amount)
        for (code, is_debit), amount in per_account.items()
        if amount
    ]
    total_debit = sum((x[1] for x in lines), ZERO)
    total_credit = sum((x[2] for x in lines), ZERO)
    if total_debit != total_credit:
        raise UnbalancedEntry(
            f"{source_type} {source_id}: debits {total_debit} != credits {total_credit}"
        )
    return lines


class Posting(NamedTuple):
    """One entry for `post_many`: the arguments `post` takes."""

    entry_date: date
    description: str
    source_type: str
    source_id: str
    postings: Sequence[tuple[str, Decimal, Decimal]]


async def post_many(
    uow: UnitOfWork,
    entries: Sequence[Posting],
    *,
    created_by: Sequence[str | None] | None = None,
) -> int:
    """Book many entries at once (a batch of invoices, bulk imports of past orders): for each, what
    `post` books, with the same checks, in one executemany for the entries and one for their
    lines. `created_by`: who booked each entry (by default the unit of work's actor). Returns
    how many were booked (entries whose amounts are all zero are not)."""
    if created_by is None:
        created_by = [uow.actor] * len(entries)
    elif len(created_by) != len(entries):
        raise ValueError("post_many takes one created_by per entry")
    codes = await uow.repo(LedgerRepository).account_codes_by_role()
    rows, lines_of = [], []
    for entry, actor in zip(entries, created_by, strict=True):
        lines = _balanced_lines(codes, entry.source_type, entry.source_id, entry.postings)
        if lines:
            rows.append(
                (
                    entry.entry_date,
                    entry.description[:300],
                    entry.source_type,
                    entry.source_id,
                    actor,
                )
            )
            lines_of.append(lines)
    if not rows:
        return 0
    ledger = uow.repo(LedgerRepository)
    ids = await ledger.insert_entries(rows, posted_at=utcnow(), number_here=uow.db.is_sqlite)
    await ledger.insert_lines(
        [
            (entry_id, code, dr, cr)
            for entry_id, lines in zip(ids, lines_of, strict=True)
            for code, dr, cr in lines
        ]
    )
    return len(rows)


async def reverse(
    uow: UnitOfWork,
    *,
    original_type: str,
    original_id: str,
    entry_date: date,
    description: str,
    source_type: str,
    source_id: str,
) -> int | None:
    """Book the mirror image of an earlier entry (debits become credits) linked to it."""
    original = await uow.repo(LedgerRepository).entry_for(original_type, original_id)
    if original is None:
        return None
    lines = await uow.repo(LedgerRepository).lines_of_entries([original.id])
    return await uow.repo(LedgerRepository).insert_entry(
        {
            "entry_date": entry_date,
            "description": description[:300],
            "source_type": source_type,
            "source_id": source_id,
            "reverses_entry_id": original.id,
            "created_by": uow.actor,
            "posted_at": utcnow(),
        },
        [
            {"account_code": line.account_code, "debit": line.credit, "credit": line.debit}
            for line, _ in lines
        ],
    )


# -- reading ---------------------------------------------------------------------------------
def _balance(kind: AccountType, dr: Decimal, cr: Decimal) -> Decimal:
    return dr - cr if kind in DEBIT_NORMAL else cr - dr


async def list_accounts(uow: UnitOfWork, *, as_of: date | None = None) -> list[AccountRead]:
    totals = await uow.repo(LedgerRepository).account_totals(as_of=as_of)
    result = []
    for account in await uow.repo(LedgerRepository).accounts():
        dr, cr = totals.get(account.code, (ZERO, ZERO))
        kind = AccountType(account.type)
        result.append(
            AccountRead(
                code=account.code,
                name=account.name,
                type=kind,
                role=account.role,
                debit=dr,
                credit=cr,
                balance=_balance(kind, dr, cr),
            )
        )
    return result


async def balance_of(uow: UnitOfWork, role: str) -> Decimal:
    """The balance of the account that plays `role`, on its normal side."""
    codes = await uow.repo(LedgerRepository).account_codes_by_role()
    for account in await list_accounts(uow):
        if account.code == codes[role]:
            return account.balance
    raise LookupError(role)


async def trial_balance(uow: UnitOfWork, *, as_of: date | None) -> TrialBalance:
    as_of = as_of or utcnow().date()
    rows = []
    for account in await list_accounts(uow, as_of=as_of):
        net = account.debit - account.credit
        if not account.debit and not account.credit:
            continue
        rows.append(
            TrialBalanceRow(
                code=account.code,
                name=account.name,
                type=account.type,
                debit=net if net > 0 else ZERO,
                credit=-net if net < 0 else ZERO,
            )
        )
    total_debit = sum((r.debit for r in rows), ZERO)
    total_credit = sum((r.credit for r in rows), ZERO)
    return TrialBalance(
        as_of=as_of,
        rows=rows,
        total_debit=total_debit,
        total_credit=total_credit,
        balanced=total_debit == total_credit,
    )


async def journal(
    uow: UnitOfWork,
    *,
    account: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    offset: int,
) -> JournalPage:
    if account is not None and account not in {
        a.code for a in await uow.repo(LedgerRepository).accounts()
    }:
        raise InvalidInput(f"no account '{account}'", code="unknown_account", field="account")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("'from' is after 'to'", field="from")
    entries, total = await uow.repo(LedgerRepository).search_entries(
        account=account,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    lines: dict[int, list[JournalLineRead]] = defaultdict(list)
    for line, name in await uow.repo(LedgerRepository).lines_of_entries([e.id for e in entries]):
        lines[line.entry_id].append(
            JournalLineRead(
                account_code=line.account_code,
                account_name=name,
                debit=line.debit,
                credit=line.credit,
            )
        )
    return JournalPage(
        items=[
            JournalEntryRead(
                id=e.id,
                entry_date=e.entry_date,
                description=e.description,
                source_type=e.source_type,
                source_id=e.source_id,
                reverses_entry_id=e.reverses_entry_id,
                created_by=e.created_by,
                posted_at=e.posted_at,
                lines=lines[e.id],
            )
            for e in entries
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
