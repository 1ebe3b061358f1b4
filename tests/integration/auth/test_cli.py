"""`pulse users …` against a migrated SQLite file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from pulse.cli import app
from tests.integration.auth.conftest import PASSWORD

runner = CliRunner()


@pytest.fixture
def db_file(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def _users(path: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT username, role, password_hash FROM users").fetchall()
    return {name: (role, password_hash) for name, role, password_hash in found}


def test_create_with_a_password_option(db_file: Path) -> None:
    result = runner.invoke(
        app, ["users", "create", "Vera", "--role", "clerk", "--password", PASSWORD]
    )

    assert result.exit_code == 0, result.output
    role, password_hash = _users(db_file)["vera"]
    assert role == "clerk"
    assert PasswordHasher().verify(password_hash, PASSWORD)


def test_create_prompts_for_a_hidden_password(db_file: Path) -> None:
    typed = "typed at the prompt"
    result = runner.invoke(
        app, ["users", "create", "walt", "--role", "ACCOUNTANT"], input=f"{typed}\n{typed}\n"
    )

    assert result.exit_code == 0, result.output
    assert typed not in result.output
    role, password_hash = _users(db_file)["walt"]
    assert role == "accountant"
    assert PasswordHasher().verify(password_hash, typed)


def test_list_and_set_role(db_file: Path) -> None:
    for name, role in (("xena", "viewer"), ("yuri", "admin")):
        created = runner.invoke(
            app, ["users", "create", name, "--role", role, "--password", PASSWORD]
        )
        assert created.exit_code == 0, created.output

    changed = runner.invoke(app, ["users", "set-role", "xena", "clerk"])
    listed = runner.invoke(app, ["users", "list"])

    assert changed.exit_code == 0, changed.output
    assert _users(db_file)["xena"][0] == "clerk"
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[0]: line.split()[1] for line in listed.output.splitlines()[:-1]}
    assert lines == {"xena": "clerk", "yuri": "admin"}
    assert "2 user(s)" in listed.output


def test_set_password(db_file: Path) -> None:
    runner.invoke(app, ["users", "create", "zoe", "--role", "clerk", "--password", PASSWORD])

    result = runner.invoke(app, ["users", "set-password", "zoe", "--password", "another secret 1"])

    assert result.exit_code == 0, result.output
    assert PasswordHasher().verify(_users(db_file)["zoe"][1], "another secret 1")


def test_errors_exit_non_zero_and_write_nothing(db_file: Path) -> None:
    ok = runner.invoke(app, ["users", "create", "amy", "--role", "admin", "--password", PASSWORD])
    assert ok.exit_code == 0, ok.output

    duplicate = runner.invoke(
        app, ["users", "create", "AMY", "--role", "clerk", "--password", PASSWORD]
    )
    short = runner.invoke(app, ["users", "create", "ben", "--role", "clerk", "--password", "short"])
    bad_role = runner.invoke(
        app, ["users", "create", "cy", "--role", "boss", "--password", PASSWORD]
    )
    unknown = runner.invoke(app, ["users", "set-role", "nobody", "clerk"])
    last_admin = runner.invoke(app, ["users", "set-role", "amy", "viewer"])

    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert short.exit_code == 2 and "password" in short.output
    assert bad_role.exit_code != 0
    assert unknown.exit_code == 1 and "no user named" in unknown.output
    assert last_admin.exit_code == 1 and "admin" in last_admin.output
    assert _users(db_file).keys() == {"amy"} and _users(db_file)["amy"][0] == "admin"
