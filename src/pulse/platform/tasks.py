"""Stopping the background tasks a long-lived object started (a loop begun with the app)."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel the tasks and wait until each has ended. What they raise on the way out is
    dropped: they are being stopped, and their loops log their own failures."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
