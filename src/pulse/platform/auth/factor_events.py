"""Events about sessions and the second factor. Secrets and codes never appear in a payload."""

from __future__ import annotations

import uuid

from pulse.platform.events import Event


class SessionEnded(Event):
    """A session was ended: signed out, or ended by its user or an admin (`ended_by`)."""

    type = "session.ended"
    aggregate_type = "session"
    session_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    reason: str
    ended_by: str | None = None

    def aggregate_id(self) -> str:
        return str(self.session_id)


class SecondFactorEnabled(Event):
    type = "user.second_factor_enabled"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str

    def aggregate_id(self) -> str:
        return str(self.user_id)


class SecondFactorDisabled(Event):
    """Turned off by its user (with a code) or reset by an admin (`by`)."""

    type = "user.second_factor_disabled"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str
    by: str | None = None

    def aggregate_id(self) -> str:
        return str(self.user_id)


class RecoveryCodesIssued(Event):
    type = "user.recovery_codes_issued"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str
    count: int

    def aggregate_id(self) -> str:
        return str(self.user_id)


class RecoveryCodeUsed(Event):
    type = "user.recovery_code_used"
    aggregate_type = "user"
    user_id: uuid.UUID
    username: str
    codes_left: int

    def aggregate_id(self) -> str:
        return str(self.user_id)


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
