"""`pulse auth rotate-key` beside a running server: no one is signed out, new tokens name the
new key, and `--drop-previous` stops the old tokens at once."""

from __future__ import annotations

import jwt
import pytest
from typer.testing import CliRunner

from pulse.cli import app
from pulse.platform.auth import keys as keyring
from pulse.platform.settings import Settings
from tests.conftest import ClientFor
from tests.integration.auth.conftest import MakeUser, login

runner = CliRunner()


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # The key ring file beside the data, as in the embedded default (no PULSE_JWT_SECRET).
    monkeypatch.delenv("PULSE_JWT_SECRET", raising=False)
    monkeypatch.setenv("PULSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(keyring, "RELOAD_SECONDS", 0.0)
    return settings.model_copy(update={"jwt_secret": None})


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def test_rotation_keeps_everyone_signed_in(
    client_for: ClientFor, make_user: MakeUser
) -> None:
    await make_user("keeper", "clerk")
    anon = client_for(None)
    signed_in = await login(anon, "keeper")
    assert signed_in.status_code == 200, signed_in.text
    first = signed_in.json()
    first_kid = _kid(first["access_token"])

    rotated = runner.invoke(app, ["auth", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    assert first_kid in rotated.output and "still verifies until" in rotated.output

    me = await anon.get("/auth/me", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert me.status_code == 200, me.text
    renewed = await anon.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    second_kid = _kid(second["access_token"])
    assert second_kid != first_kid
    listed = runner.invoke(app, ["auth", "keys"])
    assert f"{second_kid}" in listed.output and "current" in listed.output
    assert first_kid in listed.output
    assert "secret" not in listed.output

    dropped = runner.invoke(app, ["auth", "rotate-key", "--drop-previous"])
    assert dropped.exit_code == 0, dropped.output

    for token in (first["access_token"], second["access_token"]):
        refused = await anon.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
    # The session itself survives: its refresh token brings a token under the newest key.
    again = await anon.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 200, again.text
    third = again.json()["access_token"]
    assert _kid(third) not in (first_kid, second_kid)
    ok = await anon.get("/auth/me", headers={"Authorization": f"Bearer {third}"})
    assert ok.status_code == 200


def test_rotate_refuses_with_a_configured_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_JWT_SECRET", "configured-" + "q" * 40)
    refused = runner.invoke(app, ["auth", "rotate-key"])
    assert refused.exit_code == 1
    assert "PULSE_JWT_PREVIOUS_SECRETS" in refused.output
