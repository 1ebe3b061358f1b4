"""The one place an admin change to the company settings is recorded.

Each change is a domain event in the outbox, written in the change's own transaction (the
audit log chains every event), and an admin record on the audit log with the before and
after of each field it changed, so the log's record view shows the difference.
"""

from __future__ import annotations

from typing import Any

from pulse.platform import audit
from pulse.platform.events import Event
from pulse.platform.uow import UnitOfWork


def record(uow: UnitOfWork, event: Event) -> None:
    uow.emit(event)
    changes: dict[str, Any] | None = getattr(event, "changes", None)
    before = None if changes is None else {name: was for name, (was, _) in changes.items()}
    after = (
        event.model_dump(mode="json")
        if changes is None
        else {name: now for name, (_, now) in changes.items()}
    )
    audit.record(
        uow,
        action=event.type,
        subject_type=event.aggregate_type,
        subject_id=event.aggregate_id(),
        before=before,
        after=after,
    )
