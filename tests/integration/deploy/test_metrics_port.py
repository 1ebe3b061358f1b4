"""A process that serves no API still answers Prometheus and a health check on
PULSE_METRICS_PORT: `pulse worker` as the container runs it, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pulse.platform.migrate import upgrade

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=2) as answer:
        return answer.status, answer.read().decode()


def test_a_worker_serves_metrics_and_health_until_it_is_stopped(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}"
    upgrade(database)
    port = free_port()
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": database,
        "PULSE_DATA_DIR": str(tmp_path),
        "PULSE_METRICS_PORT": str(port),
        "PULSE_RENDER_PROCESSES": "0",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "pulse.cli", "worker", "inventory"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert worker.poll() is None, worker.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the metrics server never answered"
                time.sleep(0.2)
        assert health == (200, '{"status":"ok"}')
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert "# TYPE pulse_events_dead_lettered_total counter" in metrics
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            code = worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
            raise
    assert code == 0
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{port}/healthz")
