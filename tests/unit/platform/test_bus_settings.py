"""The bus settings: one NATS server or the members of a cluster, and the stream's copies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pulse.platform.settings import Settings


def test_the_members_of_a_cluster_are_named_with_commas() -> None:
    settings = Settings(
        bus_url=" nats://n1:4222, nats://n2:4222,,tls://n3:4222 ",
    )
    assert settings.uses_nats
    assert settings.nats_servers == ["nats://n1:4222", "nats://n2:4222", "tls://n3:4222"]


def test_one_server_is_a_list_of_one() -> None:
    settings = Settings(bus_url="nats://127.0.0.1:4222")
    assert settings.nats_servers == ["nats://127.0.0.1:4222"]
    assert settings.nats_stream_replicas == 1


def test_the_embedded_bus_is_no_nats() -> None:
    assert not Settings(bus_url="embedded").uses_nats


@pytest.mark.parametrize("url", ["nats://n1:4222,embedded", "embedded,nats://n1:4222"])
def test_a_list_mixing_nats_with_something_else_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="members of one NATS cluster"):
        Settings(bus_url=url)


@pytest.mark.parametrize("replicas", [0, 6])
def test_stream_replicas_stay_within_what_jetstream_allows(replicas: int) -> None:
    with pytest.raises(ValidationError):
        Settings(nats_stream_replicas=replicas)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_BUS_URL", "nats://a:1,nats://b:2,nats://c:3")
    monkeypatch.setenv("PULSE_NATS_STREAM_REPLICAS", "3")
    settings = Settings()
    assert settings.nats_servers == ["nats://a:1", "nats://b:2", "nats://c:3"]
    assert settings.nats_stream_replicas == 3
