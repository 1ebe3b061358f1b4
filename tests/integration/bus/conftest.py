"""Every bus test runs on each bus backend: the settings fixture is specialised per kind, and
a NATS test gets its own stream and subject prefix, deleted afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from pulse.platform.settings import Settings
from tests import servers
from tests.integration.bus import support

BUS_KINDS = ["embedded", "nats"]


@pytest.fixture(params=BUS_KINDS)
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def nats_url() -> str:
    servers.require("NATS JetStream", *servers.nats_host_port())
    return servers.NATS_URL


@pytest.fixture
def settings(
    settings: Settings, bus_kind: str, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    if bus_kind == "embedded":
        yield settings
        return
    url: str = request.getfixturevalue("nats_url")
    tag = uuid.uuid4().hex[:12]
    nats_settings = settings.model_copy(
        update={
            "bus_url": url,
            "nats_stream": f"T{tag}",
            "nats_subject_prefix": f"t{tag}",
        }
    )
    yield nats_settings
    asyncio.run(support.delete_stream(url, nats_settings.nats_stream))


@pytest.fixture
def own_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[support.NatsServer]:
    """A nats-server this test may kill and restart."""
    support.require_nats_server()
    server = support.NatsServer(tmp_path_factory.mktemp("nats-store"))
    server.start()
    yield server
    server.kill()
