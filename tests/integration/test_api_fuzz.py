"""Property-based fuzzing of the whole API (schemathesis) against its own OpenAPI document.

One app in process (SQLite, embedded bus, demo data so that ids, SKUs, invoices and
analytics exist), a real user of each role. Every operation gets schema-valid and
schema-violating requests from each role; every answer must be no 5xx, a declared status
code and content type, a body that fits its declared schema, refusals of invalid data,
acceptance of valid data: all of schemathesis' checks, the last one less the refusals in
SEMANTIC_REFUSALS. Deterministic: a fixed seed and derandomized generation, so a failure here
fails every run until it is fixed; each failure prints a curl line that reproduces it.

About 18,000 requests in about two minutes (2 cores). Sequences along links (schemathesis'
stateful phase) are not run here: its rule-based state machine meets a database that moves
between scenarios and Hypothesis reports that as flaky generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from asgi_lifespan import LifespanManager
from hypothesis import settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.python import asgi as st_asgi
from starlette.types import ASGIApp, Receive, Scope, Send

from pulse import demo
from pulse.app import create_app, openapi_document
from pulse.platform.auth.bootstrap import ensure_admin
from pulse.platform.settings import Settings

ROLES = ("admin", "accountant", "clerk", "viewer")
PASSWORD = "fuzz-password-1"
BASE = "http://testserver"
# Examples per operation: the admin reaches every effect; the other roles mostly meet
# their 403s and reads, which fewer examples cover.
EXAMPLES = {"admin": 25, "accountant": 8, "clerk": 8, "viewer": 8}

CONFIG: dict[str, Any] = {
    "base-url": BASE,
    # The live stream never ends by itself: its first event is enough to check.
    "max-stream-events": 1,
    "seed": 20261202,
    # The token is the harness's (a real user's); missing or bad tokens have their own tests.
    "generation": {"deterministic": True, "mode": "all", "with-security-parameters": False},
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
}


class Served:
    """The app under test, for the schema loaded when pytest collects this module.

    schemathesis' pytest plugin ends an ASGI app's lifespan after each test item; started
    and stopped 60 times the app would spend the run booting. This stand-in answers those
    lifespan messages itself and runs the real app's lifespan once, on the same event
    loop as the requests, until `close()`.
    """

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self._manager: LifespanManager | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "the fuzz_app fixture serves the app"
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self._manager is None:
                    self._loop = asyncio.get_running_loop()
                    self._manager = LifespanManager(self.app, startup_timeout=60)
                    await self._manager.__aenter__()
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        if self._manager is not None and self._loop is not None:
            stopping = self._manager.__aexit__(None, None, None)
            asyncio.run_coroutine_threadsafe(stopping, self._loop).result(timeout=60)
        self._manager = self._loop = self.app = None


SERVED = Served()
SCHEMA = schemathesis.openapi.from_dict(
    json.loads(openapi_document()), config=schemathesis.Config.from_dict(CONFIG)
)
SCHEMA.app = SERVED


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(sqlite_template, folder / "pulse.db")
    settings = Settings(
        data_dir=folder,
        bus_url="embedded",
        jwt_secret="fuzz-secret-" + "x" * 40,
        admin_password=PASSWORD,
        render_processes=0,
        relay_poll_seconds=0.05,
    )
    asyncio.run(ensure_admin(settings))
    asyncio.run(demo.load(settings, orders=40))
    SERVED.app = create_app(settings=settings)
    try:
        yield SERVED.app
    finally:
        SERVED.close()
        st_asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def tokens(fuzz_app: Any) -> dict[str, str]:
    """An access token of a real user of each role."""
    with st_asgi.get_client(SERVED) as client:
        admin = client.post(f"{BASE}/auth/login", json={"username": "admin", "password": PASSWORD})
        assert admin.status_code == 200, admin.text
        tokens = {"admin": admin.json()["access_token"]}
        for role in ROLES[1:]:
            made = client.post(
                f"{BASE}/auth/users",
                json={"username": f"fuzz-{role}", "password": PASSWORD, "role": role},
                headers={"Authorization": f"Bearer {tokens['admin']}"},
            )
            assert made.status_code == 201, made.text
            login = client.post(
                f"{BASE}/auth/login", json={"username": f"fuzz-{role}", "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            tokens[role] = login.json()["access_token"]
    return tokens


# Refusals that depend on what exists or on the meaning of a text, not on the shape of the
# request, so no schema can say them: an id, SKU, account or invoice line that does not exist
# (or is inactive), the same line twice, totals beyond what is owed, paid or countable, a
# reused Idempotency-Key, SQL that does not parse. Every other 422 for a schema-valid request
# fails the run.
SEMANTIC_REFUSALS = frozenset(
    {
        "unknown_customer",
        "unknown_sku",
        "inactive_sku",
        "unknown_account",
        "unknown_line",
        "duplicate_line",
        "empty_credit",
        "over_credit",
        "overpayment",
        "over_refund",
        "amount_too_large",
        "quantity_too_large",
        "idempotency_key_reused",
        "invalid_query",
        # A six-digit code that is not the authenticator's current one (or was used).
        "invalid_code",
        "unknown_currency",
        "unknown_locale",
        "invalid_fiscal_year_start",
        "invalid_logo",
        "unknown_tax_rate",
        "inactive_tax_rate",
        "tax_rate_mismatch",
        "follows_tax_rate",
    }
)


def valid_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, less the SEMANTIC_REFUSALS."""
    if response.status_code == 422:
        with contextlib.suppress(ValueError, AttributeError):
            if response.json().get("code") in SEMANTIC_REFUSALS:
                return None
    return positive_data_acceptance(ctx, response, case)


def _fuzz(role: str) -> Any:
    @SCHEMA.parametrize()
    @settings(max_examples=EXAMPLES[role])
    def test(case: Any, tokens: dict[str, str]) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {tokens[role]}"},
            excluded_checks=[positive_data_acceptance],
            additional_checks=[valid_data_accepted],
        )

    return test


test_api_as_admin = _fuzz("admin")
test_api_as_accountant = _fuzz("accountant")
test_api_as_clerk = _fuzz("clerk")
test_api_as_viewer = _fuzz("viewer")
