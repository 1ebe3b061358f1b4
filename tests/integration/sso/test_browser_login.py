"""A full "Sign in with SSO" in Chromium: the web app (served by a real Pulse server) sends
the browser to the real provider with a PKCE challenge, the user signs in there, and the
callback trades the code for a Pulse session (web/e2e-sso/sso.spec.ts drives the browser)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.sso.conftest import ROLE_MAP
from tests.integration.sso.provider import (
    ACCOUNTS,
    CLIENT_ID,
    TEST_REDIRECT,
    LoopbackProvider,
    free_port,
    new_key,
    require_node,
)
from tests.servers import in_ci

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "web"
CHROMIUM = os.environ.get("PULSE_E2E_CHROMIUM", "/usr/bin/chromium")


def _require_browser() -> None:
    missing = [
        what
        for what, there in (
            ("the built web app (make web)", (WEB / "dist" / "index.html").exists()),
            ("Playwright (npm ci in web/)", (WEB / "node_modules" / "@playwright").is_dir()),
            (CHROMIUM, Path(CHROMIUM).exists()),
        )
        if not there
    ]
    if missing:
        message = "the SSO browser test needs " + ", ".join(missing)
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the Pulse server stopped ({server.returncode})")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the Pulse server did not become ready at {url}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_sign_in_with_sso_in_chromium(tmp_path: Path) -> None:
    require_node()
    _require_browser()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    provider = LoopbackProvider(
        tmp_path, [new_key()], redirect_uris=[TEST_REDIRECT, f"{base_url}/app/sso/callback"]
    )
    provider.start()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PULSE_") or key == "PULSE_E2E_CHROMIUM"
    }
    env.update(
        PULSE_DATA_DIR=str(tmp_path / "data"),
        PULSE_ADMIN_PASSWORD="sso-e2e-admin-password",
        PULSE_WEB_DIR=str(WEB / "dist"),
        PULSE_LOG_LEVEL="WARNING",
        PULSE_OIDC_ISSUER=provider.issuer,
        PULSE_OIDC_CLIENT_ID=CLIENT_ID,
        PULSE_OIDC_AUDIENCE="pulse-api",
        PULSE_OIDC_ROLE_MAP=ROLE_MAP,
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "pulse"), "up", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_ready(f"{base_url}/readyz", server)
        npx = shutil.which("npx") or "npx"
        run = subprocess.run(
            [npx, "playwright", "test", "-c", "playwright.sso.config.ts"],
            cwd=WEB,
            env={
                **env,
                "PULSE_SSO_BASE_URL": base_url,
                "PULSE_SSO_ISSUER": provider.issuer,
                "PULSE_SSO_USER": "alice",
                "PULSE_SSO_PASSWORD": ACCOUNTS["alice"]["password"],
                "PULSE_E2E_CHROMIUM": CHROMIUM,
            },
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
        assert "1 passed" in run.stdout
    finally:
        _stop(server)
        provider.stop()
