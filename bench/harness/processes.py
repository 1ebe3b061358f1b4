"""The product's processes as the benchmarks see them: started in a session of their own,
their CPU time (with their children), their wait for a CPU, their resident memory, their log."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil

PULSE = str(Path(sys.executable).parent / "pulse")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The caller's environment without any PULSE_* setting, plus the run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env.update(extra)
    return env


def _status_kib(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def sched_seconds(pid: int) -> tuple[float, float] | None:
    """(on CPU, runnable but waiting for a CPU) of a process's main thread, in seconds."""
    try:
        run_ns, wait_ns, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return None
    return int(run_ns) / 1e9, int(wait_ns) / 1e9


def psutil_tree_cpu(pid: int) -> float:
    total = 0.0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for member in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                times = member.cpu_times()
                total += times.user + times.system
    return total


def others_cpu(database: str | None) -> dict[str, float]:
    """CPU seconds of the PostgreSQL backends serving `database` and of the NATS server."""
    pg = nats = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            name, cmd = proc.info["name"] or "", " ".join(proc.info["cmdline"] or [])
            if name.startswith("nats-server"):
                nats += sum(proc.cpu_times()[:2])
            elif database and name == "postgres" and f" {database} " in cmd:
                pg += sum(proc.cpu_times()[:2])
    return {"postgres_backends": pg, "nats_server": nats}


def named_children(pid: int) -> dict[str, dict[str, float | None]]:
    """Peak and current RSS of the descendants of `pid` that named themselves (pulse-...)."""
    found: dict[str, dict[str, float | None]] = {}
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.name().startswith("pulse-"):
                    hwm, rss = _status_kib(child.pid, "VmHWM"), _status_kib(child.pid, "VmRSS")
                    found[child.name()] = {
                        "peak_rss_mib": None if hwm is None else round(hwm / 1024, 1),
                        "rss_mib": None if rss is None else round(rss / 1024, 1),
                    }
    return found


@dataclass
class Proc:
    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def start(self, env: dict[str, str], cwd: Path) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=env,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tree_cpu(self) -> float:
        """CPU seconds of the process and its live descendants."""
        return psutil_tree_cpu(self.pid)

    def peak_rss_mib(self) -> float | None:
        kib = _status_kib(self.pid, "VmHWM")
        return None if kib is None else round(kib / 1024, 1)

    def rss_mib(self) -> float | None:
        kib = _status_kib(self.pid, "VmRSS")
        return None if kib is None else round(kib / 1024, 1)

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return self.popen.returncode

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
