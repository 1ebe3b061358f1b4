"""How the command line spreads the product over processes: consumers dealt over worker
processes, and several API processes only where the database takes several writers."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from pulse.cli import app, split_consumers


def _said(output: str) -> str:
    """The error's words, out of the box drawn around them."""
    return " ".join(output.replace("│", " ").split())


def test_all_consumers_are_dealt_over_the_processes() -> None:
    groups = split_consumers("all", 2)
    assert groups == ["inventory,billing,analytics", "orders,documents"]
    assert split_consumers("billing, documents,billing", 5) == ["billing", "documents"]
    assert split_consumers("inventory", 1) == ["inventory"]


@pytest.mark.parametrize("consumers", ["invoices", "all,", ""])
def test_unknown_or_no_consumers_are_refused(consumers: str) -> None:
    with pytest.raises(typer.BadParameter):
        split_consumers(consumers if consumers != "all," else "all,invoices", 2)


def test_several_api_processes_need_a_server_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PULSE_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "need PostgreSQL or MariaDB" in _said(result.output)


def test_several_api_processes_run_no_consumers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/test")
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--consumers", "all"])
    assert result.exit_code == 2
    assert "run consumers and the relay as their own processes" in _said(result.output)
