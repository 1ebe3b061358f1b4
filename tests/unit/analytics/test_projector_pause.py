"""After a batch that did not fill, the projector pauses so that the next events gather: each
batch costs a fixed amount of DuckDB work, and back-to-back small batches would take the CPU
the order flow needs (docs/PERFORMANCE.md, the notes of 2026-12-03), live dashboard or not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pulse.analytics import projector as projector_module
from pulse.analytics.live import LiveHub
from pulse.analytics.projector import Projector
from pulse.analytics.store import AnalyticsStore
from tests.unit.analytics.test_dashboard_latency import ListSource, placed

PAUSE = 5.0  # long enough that an event applied within a second did not wait for it


async def _second_event_applied_within(tmp_path: Path, hub: LiveHub, seconds: float) -> bool:
    now = datetime.now(UTC)
    source = ListSource([placed(1, now)])
    store = AnalyticsStore(tmp_path / "a.duckdb", memory_limit="64MB", threads=1)
    projector = Projector(
        store, source, batch_size=100, gather_seconds=PAUSE, idle_seconds=0.02, hub=hub
    )
    await projector.start()
    try:
        assert await projector.wait_for(1, timeout=10)
        await asyncio.sleep(0.1)  # the projector is now pausing, or polling for more
        source.events.append(placed(2, now))
        return await projector.wait_for(2, timeout=seconds)
    finally:
        await projector.stop()


@pytest.mark.parametrize("listening", [False, True])
async def test_the_next_events_gather_after_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listening: bool
) -> None:
    monkeypatch.setattr(projector_module, "GATHER_MAX_SECONDS", 2 * PAUSE)
    hub = LiveHub()
    stream = hub.stream({"hello": True})
    if listening:
        await anext(stream)  # connected: the hub counts it
    assert hub.listeners == int(listening)
    try:
        assert not await _second_event_applied_within(tmp_path, hub, 1.0)
    finally:
        await stream.aclose()
