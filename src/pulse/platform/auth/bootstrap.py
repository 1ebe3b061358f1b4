"""The first admin account, created on first start so a fresh install can be logged into."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from pulse.platform.auth import repository as repo
from pulse.platform.auth import service
from pulse.platform.auth.passwords import HashPool
from pulse.platform.auth.permissions import Role
from pulse.platform.auth.schemas import UserCreate
from pulse.platform.db import Database
from pulse.platform.errors import Conflict
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWorkFactory

ADMIN_USERNAME = "admin"


async def ensure_admin(settings: Settings) -> str | None:
    """Create 'admin' when there are no users at all.

    Returns the password only when it was generated here, so the caller can show it once;
    None when users already existed or the password came from PULSE_ADMIN_PASSWORD.
    """
    db = Database(settings.resolved_database_url, pool_size=0)
    hashing = HashPool(workers=1)
    try:
        async with UnitOfWorkFactory(db)(actor="system") as uow:
            if await repo.count_users(uow.session) > 0:
                return None
            given = settings.admin_password.get_secret_value() if settings.admin_password else None
            password = given or secrets.token_urlsafe(18)
            # model_construct: an operator-chosen password is taken as given, even if short.
            data = UserCreate.model_construct(
                username=ADMIN_USERNAME, password=password, role=Role.ADMIN, email=None
            )
            try:
                await service.create_user(uow, data, hashing=hashing)
                await uow.commit()
            except (IntegrityError, Conflict):
                # Another process started at the same moment and created it first.
                return None
            return None if given else password
    finally:
        hashing.close()
        await db.dispose()
