"""`pulse users token …`: long-lived access tokens for machine clients such as Grafana."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from typer.testing import CliRunner

from pulse.cli import app
from pulse.platform.auth.tokens import TokenCodec
from tests.integration.auth.conftest import PASSWORD

runner = CliRunner()
SECRET = "cli-token-secret-" + "y" * 40
ISSUER = "pulse-erp"


@pytest.fixture
def db_file(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PULSE_JWT_SECRET", SECRET)
    return path


def _create(name: str, role: str) -> None:
    result = runner.invoke(app, ["users", "create", name, "--role", role, "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, SECRET, algorithms=["HS256"], issuer=ISSUER))


def test_prints_a_token_the_server_accepts_with_the_users_role(db_file: Path) -> None:
    _create("grafana", "viewer")

    result = runner.invoke(app, ["users", "token", "Grafana", "--days", "365"])

    assert result.exit_code == 0, result.output
    token = result.output.strip()
    principal = TokenCodec(SECRET, issuer=ISSUER, ttl_seconds=900).verify(token)
    assert principal.username == "grafana" and principal.role == "viewer"
    assert principal.can("analytics:read") and not principal.can("orders:write")
    claims = _claims(token)
    with sqlite3.connect(db_file) as conn:
        (user_id,) = conn.execute("SELECT id FROM users WHERE username = 'grafana'").fetchone()
    assert uuid.UUID(str(claims["sub"])) == uuid.UUID(str(user_id))
    lifetime = int(claims["exp"]) - int(claims["iat"])
    assert lifetime == 365 * 86_400
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=365))) < timedelta(minutes=1)


def test_days_default_to_a_year_and_follow_the_option(db_file: Path) -> None:
    _create("robot", "accountant")

    default = runner.invoke(app, ["users", "token", "robot"])
    short = runner.invoke(app, ["users", "token", "robot", "--days", "1"])
    longest = runner.invoke(app, ["users", "token", "robot", "--days", "3650"])

    for result, days in ((default, 365), (short, 1), (longest, 3650)):
        assert result.exit_code == 0, result.output
        claims = _claims(result.output.strip())
        assert claims["role"] == "accountant"
        assert int(claims["exp"]) - int(claims["iat"]) == days * 86_400


def test_refuses_unknown_or_disabled_users_and_days_out_of_range(db_file: Path) -> None:
    _create("olga", "viewer")
    with sqlite3.connect(db_file) as conn:
        conn.execute("UPDATE users SET active = 0 WHERE username = 'olga'")

    unknown = runner.invoke(app, ["users", "token", "nobody"])
    disabled = runner.invoke(app, ["users", "token", "olga"])
    zero = runner.invoke(app, ["users", "token", "olga", "--days", "0"])
    too_long = runner.invoke(app, ["users", "token", "olga", "--days", "3651"])

    assert unknown.exit_code == 1 and "no user named" in unknown.output
    assert disabled.exit_code == 1 and "disabled" in disabled.output
    assert zero.exit_code == 2 and too_long.exit_code == 2
    for result in (unknown, disabled, zero, too_long):
        assert "eyJ" not in result.output  # no token printed


def test_signs_with_the_servers_secret_file_and_never_makes_one(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create("pat", "viewer")
    monkeypatch.delenv("PULSE_JWT_SECRET")
    data = tmp_path / "data"

    missing = runner.invoke(app, ["users", "token", "pat"])
    assert missing.exit_code == 1 and "PULSE_JWT_SECRET" in missing.output
    assert not (data / "jwt-secret").exists()

    data.mkdir(exist_ok=True)
    (data / "jwt-secret").write_text("kept-beside-the-data-" + "z" * 40 + "\n")
    found = runner.invoke(app, ["users", "token", "pat"])
    assert found.exit_code == 0, found.output
    codec = TokenCodec("kept-beside-the-data-" + "z" * 40, issuer=ISSUER, ttl_seconds=900)
    assert codec.verify(found.output.strip()).username == "pat"


def test_issue_keeps_the_configured_lifetime_unless_told_otherwise() -> None:
    codec = TokenCodec(SECRET, issuer=ISSUER, ttl_seconds=900)
    user = uuid.uuid4()

    default = _claims(codec.issue(user_id=user, username="a", role="viewer"))
    longer = _claims(codec.issue(user_id=user, username="a", role="viewer", ttl_seconds=7200))

    assert int(default["exp"]) - int(default["iat"]) == 900
    assert int(longer["exp"]) - int(longer["iat"]) == 7200
