"""Provider roles to Pulse roles: where the roles are read, and the configured map."""

from __future__ import annotations

import pytest

from pulse.platform.auth.oidc import OidcConfig, map_role, parse_role_map, provider_roles
from pulse.platform.auth.permissions import Role


def _config(role_claim: str = "", role_map: str = "admins=admin,staff=clerk") -> OidcConfig:
    return OidcConfig(
        issuer="https://id.example.com/realms/erp",
        audience="pulse-api",
        client_id="pulse-web",
        scopes="openid",
        role_claim=role_claim,
        role_map=parse_role_map(role_map),
        jwks_refresh_seconds=10,
    )


def test_keycloak_places_are_read_by_default() -> None:
    claims = {
        "realm_access": {"roles": ["staff", "offline_access"]},
        "resource_access": {"pulse-web": {"roles": ["admins"]}, "other": {"roles": ["boss"]}},
    }
    roles = provider_roles(claims, _config())
    assert roles == {"staff", "offline_access", "admins"}
    assert map_role(roles, _config()) == Role.ADMIN


def test_a_configured_claim_replaces_the_default_places() -> None:
    config = _config(role_claim="org.groups")
    claims = {"org": {"groups": ["staff"]}, "realm_access": {"roles": ["admins"]}}
    assert provider_roles(claims, config) == {"staff"}
    assert map_role(provider_roles(claims, config), config) == Role.CLERK
    # A space-separated string counts too (as `scope` is written).
    assert provider_roles({"org": {"groups": "staff admins"}}, config) == {"staff", "admins"}


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"realm_access": "admins"},
        {"realm_access": {"roles": [1, None, {"x": "admins"}]}},
        {"resource_access": {"pulse-web": ["admins"]}},
        {"resource_access": ["admins"]},
    ],
)
def test_malformed_or_missing_roles_map_to_nothing(claims: dict[str, object]) -> None:
    assert map_role(provider_roles(claims, _config()), _config()) is None


def test_unmapped_roles_give_no_role() -> None:
    assert map_role(frozenset({"admin", "Admins", "staff "}), _config()) is None


@pytest.mark.parametrize("text", ["admins", "=admin", "admins=root", "a=admin,b"])
def test_a_malformed_map_is_refused_at_start(text: str) -> None:
    with pytest.raises(ValueError, match="PULSE_OIDC_ROLE_MAP"):
        parse_role_map(text)


def test_a_provider_role_may_hold_an_equals_sign() -> None:
    assert parse_role_map("team=sales=accountant") == {"team=sales": Role.ACCOUNTANT}
