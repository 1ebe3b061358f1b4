"""Events about sessions and the second factor. Secrets and codes never appear in a payload."""

from __future__ import annotations

import uuid

from pulse.platform.auth.events import UserEvent
from pulse.platform.events import Event


class SessionEnded(Event):
    """A session was ended: signed out, or ended by its user or an admin (`ended_by`)."""

    type = "session.ended"
    aggregate_type = "session"
    aggregate_field = "session_id"
    session_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    reason: str
    ended_by: str | None = None


class SecondFactorEnabled(UserEvent):
    type = "user.second_factor_enabled"


class SecondFactorDisabled(UserEvent):
    """Turned off by its user (with a code) or reset by an admin (`by`)."""

    type = "user.second_factor_disabled"
    by: str | None = None


class RecoveryCodesIssued(UserEvent):
    type = "user.recovery_codes_issued"
    count: int


class RecoveryCodeUsed(UserEvent):
    type = "user.recovery_code_used"
    codes_left: int


class SecondFactorPolicyChanged(Event):
    """The roles whose users must sign in with a second factor."""

    type = "hub.second_factor_policy_changed"
    aggregate_type = "hub"
    required_roles: list[str]

    def aggregate_id(self) -> str:
        return "second_factor_policy"


EVENTS: tuple[type[Event], ...] = (
    SessionEnded,
    SecondFactorEnabled,
    SecondFactorDisabled,
    RecoveryCodesIssued,
    RecoveryCodeUsed,
    SecondFactorPolicyChanged,
)
