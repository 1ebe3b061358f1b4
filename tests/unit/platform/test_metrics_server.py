"""The metrics server of processes that serve no API (relay, workers)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from pulse.platform.consumers import EVENTS_DEAD_LETTERED
from pulse.platform.metrics_server import MetricsServer


@pytest.fixture
def server():
    running = MetricsServer("127.0.0.1", 0).start()
    yield running
    running.stop()


def _get(server: MetricsServer, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{server.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_metrics_show_this_process_counters(server: MetricsServer) -> None:
    EVENTS_DEAD_LETTERED.labels("metrics-server-test").inc()

    status, body = _get(server, "/metrics")

    assert status == 200
    assert 'pulse_events_dead_lettered_total{consumer="metrics-server-test"} 1.0' in body


def test_healthz_answers_and_other_paths_do_not(server: MetricsServer) -> None:
    assert _get(server, "/healthz") == (200, '{"status":"ok"}')
    assert _get(server, "/orders")[0] == 404
