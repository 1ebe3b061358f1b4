"""`pulse init`, the services mode's deployment step: migrations, then the first admin."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from pulse.cli import app

runner = CliRunner()
PASSWORD = "a long admin password for the stack"


def _users(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT username, role, password_hash FROM users").fetchall()


def test_init_migrates_creates_the_admin_once_and_can_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fresh.db"
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("PULSE_ADMIN_PASSWORD", PASSWORD)

    first = runner.invoke(app, ["init"])

    assert first.exit_code == 0, first.output
    assert "database at head" in first.output
    assert PASSWORD not in first.output
    [(name, role, password_hash)] = _users(path)
    assert (name, role) == ("admin", "admin")
    assert PasswordHasher().verify(password_hash, PASSWORD)

    monkeypatch.setenv("PULSE_ADMIN_PASSWORD", "another password that must not be taken")
    again = runner.invoke(app, ["init"])

    assert again.exit_code == 0, again.output
    assert _users(path) == [(name, role, password_hash)]


def test_init_without_a_password_prints_the_generated_one_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fresh.db"
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("PULSE_ADMIN_PASSWORD", raising=False)

    result = runner.invoke(app, ["init"])

    assert result.exit_code == 0, result.output
    printed = result.output.split("password: ", 1)[1].split()[0]
    [(_, _, password_hash)] = _users(path)
    assert PasswordHasher().verify(password_hash, printed)
