"""After a random workload the analytics store agrees with the business database: orders,
revenue, receivables and stock — live, after a replay into a fresh file (the rebuild), and
after a projector process killed again and again in the middle of its batches."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pulse.analytics.rebuild import project
from pulse.bootstrap import Container
from pulse.platform.settings import Settings
from tests.conftest import ClientFor
from tests.integration.analytics import workload
from tests.integration.analytics.test_projection import settle
from tests.integration.analytics.totals import aggregate_cross_checks, olap_totals, oltp_totals


def totals_of(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        aggregate_cross_checks(con)
        return olap_totals(con)
    finally:
        con.close()


@pytest.mark.parametrize("seed", [1, 2])
async def test_random_workload_agrees_live_and_after_a_replay(
    container: Container, client_for: ClientFor, settings: Settings, tmp_path: Path, seed: int
) -> None:
    await workload.run(container, client_for("admin"), seed=seed, steps=60)
    await settle(container)
    expected = await oltp_totals(container)
    assert expected["orders"] >= 3 and expected["receivables"] > 0
    assert container.analytics is not None
    store = container.analytics.store
    assert await store.read(olap_totals) == expected
    await store.read(aggregate_cross_checks)

    # The rebuild's replay: every event again, in batches of 7, into a new file.
    fresh = tmp_path / "replayed.duckdb"
    replay = await project(settings, fresh, batch_size=7)
    assert replay.position == container.analytics.projector.position
    assert totals_of(fresh) == expected


async def _projector(settings: Settings, path: Path, batch_size: int) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": settings.resolved_database_url,
        "PULSE_DATA_DIR": str(settings.data_dir),
        "PULSE_BUS_URL": "embedded",
        "PULSE_LOG_JSON": "true",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pulse.cli",
        "analytics",
        "project",
        "--batch-size",
        str(batch_size),
        "--path",
        str(path),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    # Wait until it has opened the store and starts applying.
    seen = b""
    async with asyncio.timeout(60):
        while b"analytics_projecting" not in seen:
            line = await process.stderr.readline()
            if not line:  # it exited before starting
                await process.wait()
                raise AssertionError(seen.decode(errors="replace")[-2000:])
            seen += line
    return process


def _position(path: Path) -> int:
    if not path.exists():
        return 0
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT position FROM projector_state").fetchall()[0][0]
    finally:
        con.close()


async def test_a_projector_killed_mid_batch_loses_and_doubles_nothing(
    container: Container, client_for: ClientFor, settings: Settings, tmp_path: Path
) -> None:
    await workload.run(container, client_for("admin"), seed=3, steps=80)
    await settle(container)
    expected = await oltp_totals(container)
    assert container.analytics is not None
    head = container.analytics.projector.position
    path = tmp_path / "killed.duckdb"
    rng = random.Random(5)
    positions = []
    # Batches of 3 events and a SIGKILL at a random moment once it is applying them.
    for _ in range(6):
        process = await _projector(settings, path, batch_size=3)
        await asyncio.sleep(rng.uniform(0.02, 0.3))
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
        await process.wait()
        positions.append(_position(path))
        # Whatever the moment of the kill, the store holds whole batches only.
        totals_of(path)
    assert any(0 < p < head for p in positions), positions  # killed while catching up
    process = await _projector(settings, path, batch_size=3)
    assert await process.wait() == 0
    assert _position(path) == head
    assert totals_of(path) == expected


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": settings.resolved_database_url,
        "PULSE_DATA_DIR": str(settings.data_dir),
        "PULSE_BUS_URL": "embedded",
    }
    return subprocess.run(
        [sys.executable, "-m", "pulse.cli", "analytics", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


async def test_rebuild_swaps_in_a_replayed_file_and_refuses_a_file_in_use(
    container: Container, client_for: ClientFor, settings: Settings
) -> None:
    await workload.run(container, client_for("admin"), seed=4, steps=40)
    await settle(container)
    expected = await oltp_totals(container)
    # The serving process holds the file: the rebuild says so and touches nothing.
    busy = await asyncio.to_thread(_cli, settings, "rebuild")
    assert busy.returncode == 1 and "in use" in busy.stderr
    assert container.analytics is not None
    await container.analytics.stop()
    path = settings.resolved_olap_path
    # Damage the old file's figures: the rebuild must not carry anything over from it.
    con = duckdb.connect(str(path))
    con.execute("UPDATE sales_by_day SET revenue = revenue + 1000").fetchall()
    con.close()
    done = await asyncio.to_thread(_cli, settings, "rebuild", "--batch-size", "11")
    assert done.returncode == 0, done.stderr
    assert "rebuilt" in done.stdout
    assert totals_of(path) == expected
    assert not path.with_name(path.name + ".rebuild").exists()
