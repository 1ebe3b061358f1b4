"""Signs a checkpoint of the audit chain every `PULSE_AUDIT_CHECKPOINT_SECONDS` while it
grows, so cutting records off its end is detected (see audit/chain.py)."""

from __future__ import annotations

import asyncio
import functools

import structlog

from pulse.platform.audit import service
from pulse.platform.audit.signing import Signer, signer_for
from pulse.platform.settings import Settings
from pulse.platform.tasks import cancel_and_wait
from pulse.platform.uow import UnitOfWorkFactory

log = structlog.get_logger(__name__)


class Checkpointer:
    def __init__(self, uow: UnitOfWorkFactory, settings: Settings) -> None:
        self.uow = uow
        self.settings = settings
        self.interval = settings.audit_checkpoint_seconds
        self._task: asyncio.Task[None] | None = None

    @functools.cached_property
    def signer(self) -> Signer:
        """Loaded (or made) on first use: building the app alone touches no files."""
        return signer_for(self.settings)

    async def run_once(self) -> int | None:
        """Sign the chain's end now if it moved since the last checkpoint."""
        async with self.uow(actor="system") as uow:
            seq = await service.checkpoint(uow, self.signer)
            await uow.commit()
        return seq

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.run_once()
            except Exception:  # a database hiccup: the next round tries again
                log.exception("audit checkpoint failed")

    def start(self) -> None:
        if self._task is None:
            self.signer  # noqa: B018 - a missing or unreadable key stops the start
            self._task = asyncio.create_task(self._loop(), name="audit-checkpoints")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
