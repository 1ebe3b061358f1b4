"""Fails the test run if a process it started is still alive at its end.

Every process the tests start inherits `MARK` (a value new for each run, or the one
`make test` exports for all its steps) in its environment, and so do the processes those
start; at the end of the run every process that carries it, or still descends from pytest,
gets a grace period to exit, and any still alive then fails the run, named with its command
line. Orphans count too: a server killed with SIGKILL leaves its children to init, and they
keep the mark. Exempt: the checking process's ancestors (make, the shell) and pytest's own
multiprocessing resource tracker, which ends with pytest. Under pytest-xdist (`-n N`) the
workers inherit the mark from the controller, and the controller alone checks, after the
workers have ended, for every process of every worker.

`python -m tests.leftovers` makes the same check at the end of `make test`, after the web
app's tests and the browser tests (whose server and its helpers carry the mark too).
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
    exempt = {me, *(p.pid for p in psutil.Process(me).parents())}
    for process in psutil.process_iter():
        if process.pid in exempt or process.pid in found:
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


def still_alive(mark: str) -> list[str]:
    """The processes carrying MARK (or descending from this one) alive after the grace."""
    _, alive = psutil.wait_procs(_ours_but_pytest_itself(mark), timeout=GRACE_SECONDS)
    alive = [p for p in alive if _running(p)]
    if not alive:
        return []
    return [f"{len(alive)} process(es) started by the tests are still alive:"] + [
        f"  {_describe(p)}" for p in alive
    ]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault(MARK, uuid.uuid4().hex)


def _xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


# Last, after pytest-xdist's own `pytest_sessionfinish` has ended the workers.
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _xdist_worker(session.config):
        # Under pytest-xdist the controller checks once every worker has ended: a worker
        # cannot tell an orphan of its own from a server another worker's test still runs.
        return
    mark = os.environ.get(MARK)
    lines = still_alive(mark) if mark else []
    if not lines:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("\n".join(lines), red=True)
    else:
        print("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def main() -> int:
    mark = os.environ.get(MARK)
    if not mark:
        print(f"{MARK} is not set: no run to check")
        return 2
    lines = still_alive(mark)
    print("\n".join(lines) if lines else "no process left behind by the tests")
    return 1 if lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
