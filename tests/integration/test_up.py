"""`pulse up` as a new user meets it: a short answer with the URL and login last, and Ctrl-C
(SIGINT to the whole process group, as a terminal sends it) stops it quietly, after its PDF
render process and analysts' SQL worker have started, leaving no process behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

PULSE = str(Path(sys.executable).parent / "pulse")
PASSWORD = "a password for this test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _group(pgid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(process.pid) == pgid:
                found.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def _until(what: str, predicate: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_up_answers_briefly_and_ctrl_c_stops_everything_quietly(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PULSE_DATA_DIR": str(tmp_path / "data"),
        "PULSE_ADMIN_PASSWORD": PASSWORD,
        "PULSE_RENDER_PROCESSES": "1",
        # The worker starts with the first query: on a busy machine that takes seconds.
        "PULSE_OLAP_SQL_TIMEOUT_SECONDS": "30",
    }
    env.pop("PULSE_DATABASE_URL", None)
    output = tmp_path / "up.log"
    with output.open("wb") as sink:
        # A session of its own: the test's Ctrl-C reaches this group only.
        up = subprocess.Popen(
            [PULSE, "up", "--demo", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _until("the banner", lambda: "log in as 'admin'" in output.read_text())
        lines = output.read_text().splitlines()
        banner = next(i for i, line in enumerate(lines) if line.startswith("Pulse ERP is running"))
        assert banner <= 2, lines[:banner]
        assert lines[banner].endswith(f"http://127.0.0.1:{port}/app/")
        base = f"http://127.0.0.1:{port}"
        _until("readiness", lambda: _ready(base))
        with httpx.Client(base_url=base, timeout=30) as client:
            token = client.post(
                "/auth/login", json={"username": "admin", "password": PASSWORD}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            invoice = client.get("/billing/invoices", params={"limit": 1}).json()["items"][0]
            pdf = client.get(f"/billing/invoices/{invoice['id']}/pdf")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            sql = client.get("/query", params={"sql": "SELECT 1 AS one"})
            assert sql.status_code == 200, sql.text
        helpers = [p for p in _group(up.pid) if p.pid != up.pid]
        assert helpers, "the PDF render process and SQL worker should be running"

        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(timeout=30) == 0
        said = output.read_text()
        assert "Traceback" not in said and "KeyboardInterrupt" not in said, said
        _until("the helper processes to end", lambda: not _group(up.pid), seconds=15)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait(timeout=10)
        for left in _group(up.pid):
            left.kill()


def _ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
