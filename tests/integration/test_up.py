"""`pulse up` as a new user meets it: a short answer with the URL and login last, the
README's command-line walk-through works as written, and Ctrl-C (SIGINT to the whole
process group, as a terminal sends it) stops it quietly, after its PDF render process and
analysts' SQL worker have started, leaving no process behind."""

from __future__ import annotations

import os
import re
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
README = Path(__file__).resolve().parents[2] / "README.md"
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
        _readme_walk_through(port, tmp_path, token)
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


def _readme_walk_through(port: int, workdir: Path, token: str) -> None:
    """The README's "A first order from the command line", run by bash as written; where it
    says "a moment later", the script waits for the order to be invoiced."""
    text = README.read_text()
    section = text.split("## A first order from the command line", 1)[1]
    script = section.split("```bash\n", 1)[1].split("```", 1)[0]
    base = f"127.0.0.1:{port}"
    wait = (
        f'until curl -s "{base}/orders/$ORDER" -H "$H" | grep -q \'"status":"invoiced"\'; '
        "do sleep 0.2; done\n"
    )
    script = script.replace("localhost:8000", base).replace("<printed password>", PASSWORD)
    assert "# A moment later" in script and "$ORDER" in script.split("# A moment later")[1]
    script = script.replace("# A moment later", wait + "# A moment later", 1)
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script + '\necho "order=$ORDER invoice=$INVOICE"'],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    # curl's answers end without a newline: the last line may carry one before it.
    said = dict(re.findall(r"(order|invoice)=([0-9a-f-]{36})", done.stdout))
    assert (workdir / "invoice.pdf").read_bytes().startswith(b"%PDF")
    headers = {"Authorization": f"Bearer {token}"}
    invoice = httpx.get(f"http://{base}/billing/invoices/{said['invoice']}", headers=headers)
    assert invoice.json()["order_id"] == said["order"]
    assert invoice.json()["amount_paid"] == "500.00" and invoice.json()["total"] == "1436.40"
