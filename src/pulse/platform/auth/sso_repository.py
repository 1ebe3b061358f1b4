"""The SQL of single sign-on: links from a provider's identities to users."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.auth.models import User
from pulse.platform.auth.sso_models import SsoIdentity


async def linked_user_id(session: AsyncSession, issuer: str, subject: str) -> uuid.UUID | None:
    found = await session.execute(
        select(SsoIdentity.user_id).where(
            SsoIdentity.issuer == issuer, SsoIdentity.subject == subject
        )
    )
    return found.scalar_one_or_none()


async def add_link(session: AsyncSession, link: SsoIdentity) -> None:
    session.add(link)
    await session.flush()


async def usernames_like(session: AsyncSession, base: str) -> set[str]:
    """The user names taken among `base` and `base-…`."""
    pattern = re.sub(r"([%_\\])", r"\\\1", base)
    found = await session.execute(
        select(User.username).where(
            (User.username == base) | User.username.like(pattern + "-%", escape="\\")
        )
    )
    return set(found.scalars())
