"""The embedded server's second process (flow_process.py), as `pulse serve --consumers all
--relay` runs it on SQLite with PULSE_FLOW_PROCESS: with "all" (true) the order flow and the
analytics store run in a child named pulse-flow, with "analytics" the analytics store alone;
/query is answered by it through the API's port, a child killed is started again and the
flow goes on, and a server killed takes the child with it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from pulse.platform.bus.bell import Bell, bell_key

pytestmark = pytest.mark.slow

PULSE = str(Path(sys.executable).parent / "pulse")
PASSWORD = "a password for this test"
START_SECONDS = 60.0
FLOW_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(what: str, found: Callable[[], Any], seconds: float, log: Path) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{log.read_text()[-3000:]}")


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _flow_children(server: int) -> list[psutil.Process]:
    found = []
    for child in _tree(server)[1:]:
        with contextlib.suppress(psutil.Error):
            if child.ppid() == server and child.name() == "pulse-flow":
                found.append(child)
    return found


def _helper(process: psutil.Process) -> bool:
    """The multiprocessing resource tracker, or a pool's worker (PDF render, SQL)."""
    try:
        command = " ".join(process.cmdline())
        return "resource_tracker" in command or (
            "spawn_main" in command and process.name() != "pulse-flow"
        )
    except psutil.Error:
        return True  # gone meanwhile


def _get(client: httpx.Client, path: str, **params: Any) -> httpx.Response | None:
    try:
        return client.get(path, params=params)
    except httpx.HTTPError:
        return None


def _readiness(client: httpx.Client) -> dict[str, Any] | None:
    response = _get(client, "/readyz")
    return response.json() if response is not None and response.status_code == 200 else None


def _orders_in_kpis(client: httpx.Client) -> int:
    response = _get(client, "/query/kpis", days=2)
    if response is None or response.status_code != 200:
        return -1
    return int(response.json()["current"]["orders"])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def moved() -> str:
    """PULSE_FLOW_PROCESS: what the second process runs."""
    return "true"


@pytest.fixture
def env(data_dir: Path, moved: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env.update(
        {
            "PULSE_DATA_DIR": str(data_dir),
            "PULSE_ADMIN_PASSWORD": PASSWORD,
            "PULSE_FLOW_PROCESS": moved,
            "PULSE_RENDER_PROCESSES": "1",
            "PULSE_LOG_LEVEL": "WARNING",
            "PULSE_LOG_JSON": "false",
        }
    )
    return env


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`pulse serve --consumers all --relay` on a fresh SQLite database; killed with its
    whole session at the end, whatever the test did to it."""
    subprocess.run([PULSE, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    with (tmp_path / "serve.log").open("wb") as sink:
        server = subprocess.Popen(
            [PULSE, "serve", "--consumers", "all", "--relay", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        left = _tree(server.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        for process in left:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(left, timeout=10)


@pytest.mark.parametrize("moved", ["true", "analytics"])
def test_the_order_flow_runs_in_a_child_started_again_and_ended_with_the_server(
    served: tuple[subprocess.Popen[bytes], str], data_dir: Path, tmp_path: Path, moved: str
) -> None:
    server, base = served
    log = tmp_path / "serve.log"
    client = httpx.Client(base_url=base, timeout=30)
    try:
        ready = _until("readiness", lambda: _readiness(client), START_SECONDS, log)
        assert ready["checks"]["analytics"] == "ok", ready

        # Two processes run the product: the server, and its child running the order flow
        # (each rings the other after a commit: a bell marker each); the rest are helpers.
        (flow,) = _until("the flow child", lambda: _flow_children(server.pid), 10, log)
        database = f"sqlite+aiosqlite:///{(data_dir / 'pulse.db').resolve()}"
        markers = Bell(data_dir / "bells", bell_key(database)).markers
        assert _pids(markers) == {server.pid, flow.pid}
        others = [p for p in _tree(server.pid) if p.pid not in (server.pid, flow.pid)]
        assert all(_helper(p) for p in others), [p.cmdline() for p in others]

        token = client.post("/auth/login", json={"username": "admin", "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        customer = _created(client, "/customers", {"name": "Flow", "email": "flow@example.com"})
        product = {"sku": "FLOW-1", "name": "Flow", "price": "10.00", "qty_on_hand": 100}
        _created(client, "/inventory", product)

        first = _order(client, customer["id"], "first")
        _until("the first order invoiced", lambda: _invoiced(client, first), FLOW_SECONDS, log)
        # /query goes through the API's port to the child's analytics store.
        _until("the order in the KPIs", lambda: _orders_in_kpis(client) == 1, FLOW_SECONDS, log)
        # The child's own metrics under /metrics/flow: it applied the events to the store,
        # and whichever process ran the orders consumer confirmed the order.
        flow_metrics = client.get("/metrics/flow").text
        server_metrics = client.get("/metrics").text
        assert _metric(flow_metrics, "pulse_analytics_events_total") > 0
        assert _metric(server_metrics, "pulse_analytics_events_total") == 0
        confirmed_here, confirmed_there = (
            (flow_metrics, server_metrics) if moved == "true" else (server_metrics, flow_metrics)
        )
        assert _metric(confirmed_here, "pulse_order_confirmation_seconds_count") == 1
        assert _metric(confirmed_there, "pulse_order_confirmation_seconds_count") == 0

        # Killed, the child is started again; meanwhile /query says so.
        flow.send_signal(signal.SIGKILL)
        flow.wait(timeout=10)
        starting = client.get("/query/kpis", params={"days": 2})
        assert starting.status_code == 503, starting.text
        assert starting.json()["code"] == "analytics_starting"
        assert "retry-after" in starting.headers
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["analytics"].startswith("not ready")

        (again,) = _until("a new flow child", lambda: _flow_children(server.pid), 20, log)
        assert again.pid != flow.pid
        _until("readiness again", lambda: _readiness(client), START_SECONDS, log)
        second = _order(client, customer["id"], "second")
        _until("the second order invoiced", lambda: _invoiced(client, second), FLOW_SECONDS, log)
        _until("both orders in the KPIs", lambda: _orders_in_kpis(client) == 2, FLOW_SECONDS, log)
        # The killed child's marker went at the first ring that found it gone.
        _until("the dead child's marker gone", lambda: flow.pid not in _pids(markers), 5, log)
        assert _pids(markers) == {server.pid, again.pid}

        # Killed, the server takes its child (and the helpers) with it.
        _signal_and_nothing_left(server, signal.SIGKILL)
    finally:
        client.close()


def _signal_and_nothing_left(server: subprocess.Popen[bytes], signum: int) -> None:
    """Send the server `signum`: it and every process it started must be gone."""
    everything = _tree(server.pid)
    server.send_signal(signum)
    server.wait(timeout=30)
    _, alive = psutil.wait_procs(everything, timeout=10)
    assert [p.cmdline() for p in alive if _running(p)] == []


def _running(process: psutil.Process) -> bool:
    """Alive, and not an orphan's unreaped remains."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _metric(text: str, name: str) -> float:
    """A sample's value in Prometheus text (0 when the process never recorded it)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def _pids(markers: Path) -> set[int]:
    return {int(p.name) for p in markers.iterdir() if p.name.isdigit()}


def _created(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _order(client: httpx.Client, customer: str, key: str) -> str:
    response = client.post(
        "/orders",
        json={"customer_id": customer, "items": [{"sku": "FLOW-1", "qty": 2}]},
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _invoiced(client: httpx.Client, order: str) -> bool:
    response = _get(client, f"/orders/{order}")
    return response is not None and response.json().get("status") == "invoiced"


def test_a_terminated_server_stops_its_child_in_order_first(
    served: tuple[subprocess.Popen[bytes], str], data_dir: Path, tmp_path: Path
) -> None:
    """SIGTERM (a service manager's stop): the server stops its child before itself, so the
    child shuts down in order — its bus closes its bell, removing its marker — instead of
    ending abruptly with its parent (which leaves the marker behind)."""
    server, base = served
    log = tmp_path / "serve.log"
    with httpx.Client(base_url=base, timeout=30) as client:
        _until("readiness", lambda: _readiness(client), START_SECONDS, log)
    (flow,) = _until("the flow child", lambda: _flow_children(server.pid), 10, log)
    database = f"sqlite+aiosqlite:///{(data_dir / 'pulse.db').resolve()}"
    markers = Bell(data_dir / "bells", bell_key(database)).markers
    assert _pids(markers) == {server.pid, flow.pid}

    _signal_and_nothing_left(server, signal.SIGTERM)
    assert _pids(markers) == set(), log.read_text(errors="replace")[-2000:]
