"""Roles map to permissions, and a token carries the role's permissions to the endpoint."""

from __future__ import annotations

import uuid

import pytest

from pulse.platform.auth.permissions import READ, ROLE_PERMISSIONS, Role, permissions_for
from pulse.platform.auth.tokens import TokenCodec
from pulse.platform.errors import Unauthorized

SECRET = "unit-test-secret-" + "y" * 40


def test_viewer_only_reads() -> None:
    assert permissions_for("viewer") == READ
    assert all(p.endswith(":read") for p in permissions_for("viewer"))


def test_every_role_reads_everything() -> None:
    for role in Role:
        assert READ <= permissions_for(role), role


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (
            "clerk",
            {"orders:write", "inventory:write", "inventory:reserve", "customers:write"},
            {"orders:override_price", "billing:write", "users:admin"},
        ),
        (
            "accountant",
            {"orders:write", "orders:override_price", "billing:write"},
            {"inventory:write", "inventory:reserve", "users:admin"},
        ),
        (
            "admin",
            {"orders:override_price", "inventory:write", "users:admin", "system:admin"},
            set(),
        ),
    ],
)
def test_role_permissions(role: str, allowed: set[str], denied: set[str]) -> None:
    granted = permissions_for(role)
    assert allowed <= granted
    assert not denied & granted


def test_admin_holds_every_permission_any_role_holds() -> None:
    everything = set().union(*ROLE_PERMISSIONS.values())
    assert permissions_for("admin") == everything


@pytest.mark.parametrize("role", ["", "root", "ADMIN", "superuser"])
def test_unknown_roles_get_nothing(role: str) -> None:
    assert permissions_for(role) == frozenset()


def test_a_token_carries_its_role_permissions() -> None:
    codec = TokenCodec(SECRET, issuer="pulse-erp", ttl_seconds=60)
    user = uuid.uuid4()
    principal = codec.verify(codec.issue(user_id=user, username="cara", role="clerk"))
    assert (principal.user_id, principal.username, principal.role) == (user, "cara", "clerk")
    assert principal.can("orders:write") and not principal.can("orders:override_price")


@pytest.mark.parametrize(
    ("codec", "code"),
    [
        (
            TokenCodec("another-secret-" + "z" * 40, issuer="pulse-erp", ttl_seconds=60),
            "invalid_token",
        ),
        (TokenCodec(SECRET, issuer="someone-else", ttl_seconds=60), "invalid_token"),
        (TokenCodec(SECRET, issuer="pulse-erp", ttl_seconds=-120), "token_expired"),
    ],
)
def test_foreign_or_expired_tokens_are_refused(codec: TokenCodec, code: str) -> None:
    verifier = TokenCodec(SECRET, issuer="pulse-erp", ttl_seconds=60)
    token = codec.issue(user_id=uuid.uuid4(), username="mallory", role="admin")
    with pytest.raises(Unauthorized) as refused:
        verifier.verify(token)
    assert refused.value.code == code
