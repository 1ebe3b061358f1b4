"""The provider rotates its signing keys: a token under a new key id makes Pulse fetch the
keys again, but no more often than the configured interval."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pulse.bootstrap import Container
from pulse.platform.auth.oidc import OidcConfig, OidcVerifier, parse_role_map
from pulse.platform.errors import Unauthorized
from tests.conftest import ClientFor
from tests.integration.sso.conftest import ROLE_MAP
from tests.integration.sso.provider import CLIENT_ID, LoopbackProvider, new_key


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def test_a_rotated_provider_key_is_picked_up(
    provider: LoopbackProvider, container: Container, client_for: ClientFor
) -> None:
    anon = client_for(None)
    before = provider.access_token("alice")
    assert (await anon.get("/auth/me", headers={"Authorization": f"Bearer {before}"})).is_success

    old_key = provider.keys[0]
    provider.restart([new_key(), old_key])  # the new key signs; the old one is still published
    after = provider.access_token("alice")
    assert _kid(after) != _kid(before)

    for token in (after, before):
        me = await anon.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "alice"


class CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def counted(provider: LoopbackProvider) -> AsyncIterator[tuple[OidcVerifier, list[str]]]:
    transport = CountingTransport()
    http = httpx.AsyncClient(transport=transport)
    config = OidcConfig(
        issuer=provider.issuer,
        audience="pulse-api",
        client_id=CLIENT_ID,
        scopes="openid",
        role_claim="",
        role_map=parse_role_map(ROLE_MAP),
        jwks_refresh_seconds=3600,
    )
    try:
        yield OidcVerifier(config, http=http), transport.paths
    finally:
        await http.aclose()


async def test_unknown_key_ids_fetch_the_keys_at_most_once_per_interval(
    provider: LoopbackProvider, counted: tuple[OidcVerifier, list[str]]
) -> None:
    verifier, paths = counted
    first = provider.access_token("alice")
    assert (await verifier.verify(first)).subject == "alice"
    assert paths.count("/jwks") == 1

    # Made-up key ids, many of them: none is published, and none costs another fetch.
    claims = jwt.decode(first, options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for number in range(20):
        forged = jwt.encode(
            claims, stranger, algorithm="RS256", headers={"kid": f"made-up-{number}"}
        )
        with pytest.raises(Unauthorized):
            await verifier.verify(forged)
    # A real rotation inside the interval waits for it too.
    provider.restart([new_key(), provider.keys[0]])
    rotated = provider.access_token("alice")
    with pytest.raises(Unauthorized):
        await verifier.verify(rotated)
    assert paths.count("/jwks") == 1
    # Once the interval has passed (here: made to have passed), the new key is fetched.
    verifier._keys_at = -3600.0  # noqa: SLF001 - the clock of the rate limit
    assert (await verifier.verify(rotated)).subject == "alice"
    assert paths.count("/jwks") == 2
    assert paths.count("/.well-known/openid-configuration") == 1
