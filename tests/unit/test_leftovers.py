"""The check at the end of a test run: a process a test started and left alive fails the
run (even once orphaned), one the test ended does not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEAVES_ONE = """
import subprocess, sys
def test_leaves_an_orphan(tmp_path):
    # A child that starts a grandchild and exits: the grandchild is orphaned, as the
    # children of a server killed with SIGKILL are.
    code = (
        "import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', "
        "'import time; time.sleep(120)'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)"
        "; print(p.pid)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    open({pidfile!r}, "w").write(out.stdout.strip())
"""
ENDS_IT = """
import subprocess, sys
def test_ends_what_it_starts():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    p.terminate()
    p.wait()
"""


def _run(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_inner.py"
    test.write_text(source)
    # A run of its own: without the mark of the run this test is part of, and without the
    # installed plugins it does not use (loading them took most of its time).
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_PULSE_RUN"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.leftovers",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            *args,
            str(test),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if args:  # the run was spread over workers
        assert "bringing up nodes" in result.stdout, result.stdout
    return result


# Alone, and under pytest-xdist, where the workers' processes are checked by the controller.
RUNS = pytest.mark.parametrize(
    "args", [(), ("-p", "xdist.plugin", "-n", "2")], ids=["serial", "xdist"]
)


@RUNS
def test_a_left_process_fails_the_run(tmp_path: Path, args: tuple[str, ...]) -> None:
    pidfile = tmp_path / "orphan.pid"
    result = _run(tmp_path, LEAVES_ONE.format(pidfile=str(pidfile)), *args)
    orphan = int(pidfile.read_text())
    try:
        assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
        assert "1 passed" in result.stdout
        assert "still alive" in result.stdout and f"pid {orphan}:" in result.stdout
    finally:
        os.kill(orphan, signal.SIGKILL)


@RUNS
def test_a_run_that_ends_what_it_started_passes(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = _run(tmp_path, ENDS_IT, *args)
    assert result.returncode == 0, result.stdout
    assert "still alive" not in result.stdout
