"""PostgreSQL LISTEN/NOTIFY as a wake-up for a relay in another process.

A transaction that writes outbox rows sends a notification that PostgreSQL delivers only
when (and if) it commits. The relay listens and wakes at once instead of waiting for its
next poll; the poll stays as the safety net for a lost connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "pulse_outbox"
log = structlog.get_logger(__name__)
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', '')")


async def notify_outbox(session: AsyncSession) -> None:
    await session.execute(_NOTIFY)


def _dsn(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class OutboxListener:
    """Calls `on_notify` whenever a committed transaction wrote outbox rows."""

    def __init__(self, database_url: str, on_notify: Callable[[], None]) -> None:
        self._dsn = _dsn(database_url)
        self._on_notify = on_notify
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        def callback(*_: Any) -> None:
            self._on_notify()

        while True:
            connection = None
            try:
                closed = asyncio.Event()
                connection = await asyncpg.connect(self._dsn)
                connection.add_termination_listener(lambda *_, done=closed: done.set())
                await connection.add_listener(CHANNEL, callback)
                # Anything committed while we were not listening is picked up now.
                self._on_notify()
                await closed.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening across restarts
                log.warning("outbox_listener_error", error=str(exc))
            finally:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close()
            await asyncio.sleep(1.0)
