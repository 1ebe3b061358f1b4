"""Where the test servers are, and the rule for a missing one: skip locally, fail in CI."""

from __future__ import annotations

import os
import socket
import subprocess
from typing import Any

import pytest
from asgi_lifespan import LifespanManager

PG_HOST = os.environ.get("PULSE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PULSE_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("PULSE_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("PULSE_TEST_PG_DB", "test")
MARIADB_HOST = os.environ.get("PULSE_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("PULSE_TEST_MARIADB_PORT", "3306"))
NATS_URL = os.environ.get("PULSE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Fail (in CI) or skip (elsewhere) when a server the test needs is not there."""
    if reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if in_ci():
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def nats_host_port() -> tuple[str, int]:
    rest = NATS_URL.split("://", 1)[-1]
    host, _, port = rest.partition(":")
    return host, int(port or 4222)


# How long an app's start (and stop) may take in a test: a start creates its database, runs
# the bus's first reads and the analytics store's opening, which on a loaded two-core machine
# under coverage took more than asgi-lifespan's default 5 s.
APP_START_SECONDS = 60


def app_lifespan(app: Any) -> LifespanManager:
    """Start and stop an ASGI app in a test, with `APP_START_SECONDS` for each."""
    return LifespanManager(
        app, startup_timeout=APP_START_SECONDS, shutdown_timeout=APP_START_SECONDS
    )


def end_piped(process: subprocess.Popen[Any]) -> None:
    """Kill a helper process the test talks to over its stdin and stdout, and close both."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()
