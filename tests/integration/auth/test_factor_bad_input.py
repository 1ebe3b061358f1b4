"""Bad input to the session and second-factor endpoints: a 4xx problem that says what is
wrong, and no table changed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pulse.bootstrap import Container
from pulse.models import metadata
from tests.conftest import ClientFor
from tests.integration.auth.conftest import assert_problem

NOT_A_UUID = "not-a-uuid"
CHALLENGE = "c" * 43


@pytest.fixture
def backend() -> str:
    # Refused before any SQL runs.
    return "sqlite"


async def snapshot(container: Container) -> dict[str, list[str]]:
    async with container.uow(readonly=True) as uow:
        return {
            table.name: sorted(repr(tuple(r)) for r in (await uow.session.execute(select(table))))
            for table in metadata.sorted_tables
        }


CODE_BODIES: list[Any] = [
    {},
    {"code": "12345"},
    {"code": "1234567"},
    {"code": "abcdef"},
    {"code": 123456},
    {"code": None},
    {"code": "١٢٣٤٥٦"},
    {"code": "123456", "extra": 1},
    ["123456"],
]
CASES: list[tuple[str, str, Any]] = [
    *(("POST", "/auth/second-factor/confirm", body) for body in CODE_BODIES),
    *(("POST", "/auth/second-factor/recovery-codes", body) for body in CODE_BODIES),
    ("POST", "/auth/second-factor/disable", {}),
    ("POST", "/auth/second-factor/disable", {"code": "12"}),
    ("POST", "/auth/second-factor/disable", {"code": "x" * 21}),
    ("POST", "/auth/second-factor/disable", {"code": 123456}),
    ("PATCH", "/auth/second-factor/policy", {}),
    ("PATCH", "/auth/second-factor/policy", {"required_roles": ["root"]}),
    ("PATCH", "/auth/second-factor/policy", {"required_roles": "clerk"}),
    ("PATCH", "/auth/second-factor/policy", {"required_roles": ["clerk"] * 5}),
    ("PATCH", "/auth/second-factor/policy", {"required_roles": [], "more": True}),
    ("POST", f"/auth/sessions/{NOT_A_UUID}/end", None),
    ("GET", "/auth/sessions/all?user_id=nope", None),
    ("GET", "/auth/sessions?limit=0", None),
    ("GET", "/auth/sessions?limit=501", None),
    ("GET", "/auth/sessions/all?offset=-1", None),
    ("POST", f"/auth/users/{NOT_A_UUID}/second-factor/reset", None),
    ("POST", "/auth/login/second-factor", {"challenge": CHALLENGE}),
    ("POST", "/auth/login/second-factor", {"code": "123456"}),
    ("POST", "/auth/login/second-factor", {"challenge": "", "code": "123456"}),
    ("POST", "/auth/login/second-factor", {"challenge": "c" * 201, "code": "123456"}),
    ("POST", "/auth/login/second-factor", {"challenge": CHALLENGE, "code": "1"}),
    ("POST", "/auth/login/enrol", {}),
    ("POST", "/auth/login/enrol", {"challenge": 5}),
    ("POST", "/auth/login/enrol/confirm", {"challenge": CHALLENGE}),
    ("POST", "/auth/login/enrol/confirm", {"challenge": CHALLENGE, "code": "abc123"}),
    ("POST", "/auth/login/enrol/confirm", {"challenge": CHALLENGE, "code": "12345678"}),
]


async def test_bad_input_is_refused_and_writes_nothing(
    client_for: ClientFor, container: Container
) -> None:
    admin: httpx.AsyncClient = client_for("admin")
    before = await snapshot(container)
    failures = []
    for method, path, body in CASES:
        response = await admin.request(method, path, json=body)
        try:
            problem = assert_problem(response, 422)
            assert problem["detail"]
        except AssertionError as error:
            failures.append(f"{method} {path} {body!r}: {error}")
        if await snapshot(container) != before:
            failures.append(f"{method} {path} {body!r}: wrote something")
    assert not failures, "\n".join(failures)


async def test_an_unknown_challenge_is_refused_and_writes_nothing(
    client_for: ClientFor, container: Container
) -> None:
    anonymous = client_for(None)
    before = await snapshot(container)
    for path, body in (
        ("/auth/login/second-factor", {"challenge": CHALLENGE, "code": "123456"}),
        ("/auth/login/enrol", {"challenge": CHALLENGE}),
        ("/auth/login/enrol/confirm", {"challenge": CHALLENGE, "code": "123456"}),
    ):
        assert_problem(await anonymous.post(path, json=body), 401, "invalid_challenge")
    assert await snapshot(container) == before
