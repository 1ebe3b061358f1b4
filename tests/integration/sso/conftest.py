"""A real OpenID provider on loopback for every SSO test, and Pulse configured to trust it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pulse.platform.settings import Settings
from tests.integration.sso.provider import CLIENT_ID, LoopbackProvider, new_key, require_node

ROLE_MAP = "erp-admins=admin,accounting=accountant,erp-viewers=viewer,warehouse=clerk"


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[LoopbackProvider]:
    require_node()
    running = LoopbackProvider(tmp_path, [new_key()])
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def settings(settings: Settings, provider: LoopbackProvider) -> Settings:
    return settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_audience": "pulse-api",
            "oidc_role_map": ROLE_MAP,
            "oidc_jwks_refresh_seconds": 0.0,
        }
    )
