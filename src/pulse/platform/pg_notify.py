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

import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.platform.tasks import cancel_and_wait

CHANNEL = "pulse_outbox"
log = structlog.get_logger(__name__)
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', '')")


async def notify_outbox(session: AsyncSession) -> None:
    await session.execute(_NOTIFY)


def _dsn(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Listener:
    """Listens on one channel in a task of its own, reconnecting after a lost connection.

    `on_payload` gets each notification's payload; `on_connect` runs on every (re)connect,
    for whatever was sent while nobody listened."""

    def __init__(
        self,
        database_url: str,
        channel: str,
        *,
        on_payload: Callable[[str], None],
        on_connect: Callable[[], None],
        name: str,
    ) -> None:
        self._dsn = _dsn(database_url)
        self._channel = channel
        self._on_payload = on_payload
        self._on_connect = on_connect
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        def callback(*args: Any) -> None:
            self._on_payload(str(args[-1]))

        while True:
            connection = None
            try:
                closed = asyncio.Event()
                import asyncpg  # PostgreSQL only: an embedded server never loads it

                connection = await asyncpg.connect(self._dsn)
                connection.add_termination_listener(lambda *_, done=closed: done.set())
                await connection.add_listener(self._channel, callback)
                self._on_connect()
                await closed.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening across restarts
                log.warning("pg_listener_error", channel=self._channel, error=str(exc))
            finally:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close()
            await asyncio.sleep(1.0)


class OutboxListener(Listener):
    """Calls `on_notify` whenever a committed transaction wrote outbox rows (and on every
    connect: anything committed while nobody listened is picked up then)."""

    def __init__(self, database_url: str, on_notify: Callable[[], None]) -> None:
        super().__init__(
            database_url,
            CHANNEL,
            on_payload=lambda _payload: on_notify(),
            on_connect=on_notify,
            name="outbox-listener",
        )
