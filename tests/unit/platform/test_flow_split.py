"""What `PULSE_FLOW_PROCESS` moves into the embedded server's second process
(flow_process.split), and how the setting may be spelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pulse.flow_process import split
from pulse.platform.settings import Settings


def _settings(tmp_path: Path, **values: object) -> Settings:
    # The embedded defaults, whatever PULSE_* the environment holds.
    embedded: dict[str, object] = {"database_url": "", "bus_url": "embedded", "consumers": "all"}
    return Settings(data_dir=tmp_path, jwt_secret="s" * 40, **{**embedded, **values})


@pytest.mark.parametrize(
    ("spelled", "meant"),
    [
        ("true", "all"),
        ("1", "all"),
        (True, "all"),
        ("false", "off"),
        (False, "off"),
        ("", "off"),
        ("Analytics", "analytics"),
        ("all", "all"),
        ("off", "off"),
    ],
)
def test_the_setting_takes_its_names_and_the_old_true_and_false(
    tmp_path: Path, spelled: object, meant: str
) -> None:
    assert _settings(tmp_path, flow_process=spelled).flow_process == meant


def test_anything_else_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="flow_process"):
        _settings(tmp_path, flow_process="consumers")


def test_off_keeps_everything_in_one_process(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert split(settings) == (settings, None)


def test_analytics_moves_the_store_alone(tmp_path: Path) -> None:
    served, flow = split(_settings(tmp_path, flow_process="analytics"))
    assert flow == "analytics"
    assert served.consumers == "inventory,orders,billing,documents"
    # The serving process hands /query and /stats on to the second process's socket.
    assert served.analytics_socket.endswith("analytics.sock")


def test_all_moves_every_consumer(tmp_path: Path) -> None:
    served, flow = split(_settings(tmp_path, flow_process="all"))
    assert flow == "inventory,orders,billing,documents,analytics"
    assert served.consumers == "none"
    assert served.analytics_socket


def test_only_the_consumers_this_server_runs_move(tmp_path: Path) -> None:
    served, flow = split(
        _settings(tmp_path, flow_process="analytics", consumers="inventory,orders")
    )
    assert flow is None
    assert served.consumers == "inventory,orders"
    assert not served.analytics_socket


def test_not_on_postgresql_or_nats(tmp_path: Path) -> None:
    on_nats = _settings(tmp_path, flow_process="analytics", bus_url="nats://127.0.0.1:4222")
    assert split(on_nats) == (on_nats, None)
    on_pg = _settings(
        tmp_path,
        flow_process="analytics",
        database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    )
    assert split(on_pg) == (on_pg, None)
