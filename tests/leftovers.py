"""Fails the test run if a process it started is still alive at its end.

Every process the tests start inherits `MARK` (a value new for each run) in its
environment, and so do the processes those start; at the end of the run every process that
carries it, or still descends from pytest, gets a grace period to exit, and any still alive
then fails the run, named with its command line. Orphans count too: a server killed with
SIGKILL leaves its children to init, and they keep the mark. Pytest's own multiprocessing
resource tracker is exempt: it ends with pytest.
"""

from __future__ import annotations

import os
import uuid

import psutil
import pytest

MARK = "PYTEST_PULSE_RUN"
GRACE_SECONDS = 10.0


def _ours_but_pytest_itself(mark: str) -> list[psutil.Process]:
    me = os.getpid()
    found: dict[int, psutil.Process] = {p.pid: p for p in psutil.Process(me).children(True)}
    for process in psutil.process_iter():
        if process.pid == me or process.pid in found:
            continue
        try:
            if process.environ().get(MARK) == mark:
                found[process.pid] = process
        except (psutil.Error, OSError):
            continue
    return [p for p in found.values() if not _pytests_resource_tracker(p, me)]


def _pytests_resource_tracker(process: psutil.Process, me: int) -> bool:
    try:
        return process.ppid() == me and "resource_tracker" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _describe(process: psutil.Process) -> str:
    try:
        return f"pid {process.pid}: {' '.join(process.cmdline())[:200]}"
    except psutil.Error:
        return f"pid {process.pid}"


def pytest_configure(config: pytest.Config) -> None:
    os.environ[MARK] = uuid.uuid4().hex


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    mark = os.environ.get(MARK)
    if not mark:
        return
    _, alive = psutil.wait_procs(_ours_but_pytest_itself(mark), timeout=GRACE_SECONDS)
    alive = [p for p in alive if _running(p)]
    if not alive:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(alive)} process(es) started by the tests are still alive:"]
    lines += [f"  {_describe(p)}" for p in alive]
    if reporter is not None:
        reporter.write_line("\n".join(lines), red=True)
    else:
        print("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
