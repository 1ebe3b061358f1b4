"""Each guarded effect through every route that reaches it, run as each role on a real
scenario, on SQLite and PostgreSQL: a role without the route's permissions is refused and the
effect does not happen; a role with them gets the effect."""

from __future__ import annotations

import pytest

from pulse.bootstrap import Container
from pulse.platform.auth.permissions import ROLE_PERMISSIONS, Role, permissions_for
from tests.conftest import ClientFor
from tests.integration.orders.factories import assert_problem
from tests.integration.security.effects import EFFECT_PERMISSION as MODULE_EFFECTS
from tests.integration.security.effects import ROUTES as MODULE_ROUTES
from tests.integration.security.effects import Route
from tests.integration.security.factor_effects import FACTOR_EFFECTS, FACTOR_ROUTES

ROLES: tuple[str | None, ...] = (*(role.value for role in Role), None)
EFFECT_PERMISSION = MODULE_EFFECTS | FACTOR_EFFECTS
ROUTES = (*MODULE_ROUTES, *FACTOR_ROUTES)


def holds(role: str | None, permissions: frozenset[str]) -> bool:
    return role is not None and permissions <= permissions_for(role)


def test_every_effect_has_routes_and_no_route_grants_more_than_its_effect() -> None:
    known = frozenset().union(*ROLE_PERMISSIONS.values())
    assert {route.effect for route in ROUTES} == set(EFFECT_PERMISSION)
    for route in ROUTES:
        assert route.needs <= known, route.name
        # An indirect route may ask for more, never for less, than the effect's permission.
        for role in ROLES:
            if holds(role, route.needs):
                assert holds(role, frozenset({EFFECT_PERMISSION[route.effect]})), (route, role)
    assert [r.name for r in ROUTES if r.effect == "void"] == [
        "POST invoice void",
        "POST order cancel",
        "PATCH order cancelled",
    ]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.effect}: {r.name}")
async def test_effect_through_route(
    route: Route, client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    for role in ROLES:
        scenario = await route.prepare(admin, container)
        responses = await route.act(client_for(role), scenario)
        assert await container.bus.drain()
        happened = await route.happened(admin, scenario)
        codes = [r.status_code for r in responses]
        if holds(role, route.needs):
            assert all(code < 400 for code in codes), (role, [r.text for r in responses])
            assert happened, f"{role} was let through but {route.effect} did not happen"
        else:
            refused = [r for r in responses if r.status_code in (401, 403)]
            assert refused, f"{role} was not refused: {codes}"
            for response in refused:
                assert_problem(response, 401 if role is None else 403)
            assert all(code < 500 for code in codes), codes
            assert not happened, f"{role} lacks {sorted(route.needs)} but {route.effect} happened"
