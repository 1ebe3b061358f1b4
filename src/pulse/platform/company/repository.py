"""All SQL of the company settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.company.models import CompanySettings, TaxRate
from pulse.platform.db import one_or_none

ROW_ID = 1


async def company(session: AsyncSession, *, lock: bool = False) -> CompanySettings:
    """The settings row (made by the migration), as stored now."""
    query = (
        select(CompanySettings)
        .where(CompanySettings.id == ROW_ID)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).one()


async def update_company(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(
        update(CompanySettings)
        .where(CompanySettings.id == ROW_ID)
        .values(revision=CompanySettings.revision + 1, **values)
        .execution_options(synchronize_session=False)
    )


async def tax_rates(session: AsyncSession) -> Sequence[TaxRate]:
    return (await session.scalars(select(TaxRate).order_by(TaxRate.code))).all()


async def tax_rate(session: AsyncSession, code: str, *, lock: bool = False) -> TaxRate | None:
    query = select(TaxRate).where(TaxRate.code == code).execution_options(populate_existing=True)
    return await one_or_none(session, query, lock=lock)


async def update_tax_rate(session: AsyncSession, code: str, values: dict[str, Any]) -> None:
    await session.execute(
        update(TaxRate)
        .where(TaxRate.code == code)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
