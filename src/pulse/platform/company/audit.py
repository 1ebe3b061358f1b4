"""The one place an admin change to the company settings is recorded.

Each change is a domain event in the outbox, written in the change's own transaction.
The audit log's explicit `record(...)` call, with the same event, belongs here too.
"""

from __future__ import annotations

from pulse.platform.events import Event
from pulse.platform.uow import UnitOfWork


def record(uow: UnitOfWork, event: Event) -> None:
    uow.emit(event)
