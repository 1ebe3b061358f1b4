"""The test OpenID provider (tests/oidc/provider.mjs, the `oidc-provider` package) on a free
loopback port, and a user agent that signs in at it (authorization code with PKCE)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.servers import in_ci

PROVIDER_DIR = Path(__file__).resolve().parents[2] / "oidc"
CLIENT_ID = "pulse-web"
TEST_REDIRECT = "http://127.0.0.1/sso-test-callback"

ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice": {
        "password": "alice-pass",
        "email": "alice@example.com",
        "realm_roles": ["erp-admins", "offline_access"],
    },
    "bob": {
        "password": "bob-pass",
        "email": "bob@example.com",
        "client_roles": {CLIENT_ID: ["accounting"], "another-app": ["erp-admins"]},
    },
    "carol": {"password": "carol-pass", "email": "carol@example.com", "realm_roles": ["nobody"]},
    "dave": {
        "password": "dave-pass",
        "email": "dave@example.com",
        "realm_roles": ["erp-viewers", "warehouse"],
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_key() -> dict[str, Any]:
    """A private RSA signing key as a JWK, with a key id of its own."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key))
    jwk.pop("key_ops", None)  # the provider picks its signing key by `use`
    jwk.update(kid=f"test-{uuid.uuid4().hex[:12]}", alg="RS256", use="sig")
    return jwk


def require_node() -> None:
    missing = shutil.which("node") is None or not (PROVIDER_DIR / "node_modules").is_dir()
    if missing:
        message = "the test OpenID provider needs node and `npm ci` in tests/oidc"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@dataclass
class LoopbackProvider:
    """One running provider process; `restart` brings it back on the same port (same issuer)
    with other keys."""

    workdir: Path
    keys: list[dict[str, Any]]
    redirect_uris: list[str] = field(default_factory=lambda: [TEST_REDIRECT])
    accounts: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(ACCOUNTS))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = self.workdir / f"provider-{self.port}.json"
        config.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "issuer": self.issuer,
                    "jwks": {"keys": self.keys},
                    "redirect_uris": self.redirect_uris,
                    "accounts": self.accounts,
                }
            )
        )
        self.process = subprocess.Popen(
            ["node", str(PROVIDER_DIR / "provider.mjs"), str(config)],
            cwd=PROVIDER_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if not line.startswith("listening"):
            self.stop()
            raise RuntimeError(f"the test provider did not start: {line}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def restart(self, keys: list[dict[str, Any]] | None = None) -> None:
        self.stop()
        self.keys = keys or self.keys
        deadline = time.monotonic() + 10
        while True:
            try:
                self.start()
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def authorization_code(
        self,
        username: str,
        *,
        resource: str | None = None,
        client_id: str = CLIENT_ID,
        redirect_uri: str = TEST_REDIRECT,
    ) -> tuple[str, str]:
        """Sign in as `username` through the authorization endpoint and the provider's form:
        the code the provider sends back, and the PKCE verifier it was asked for with."""
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        params = {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": "openid profile email",
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if resource is not None:
            params["resource"] = resource
        with httpx.Client(base_url=self.issuer, timeout=10) as http:
            answer = self._follow(http, http.get("/auth?" + urlencode(params)), redirect_uri)
            if not answer.is_redirect:
                # The sign-in form: post it, then follow the redirects back to the client.
                action = urlparse(str(answer.url)).path + "/login"
                password = self.accounts[username]["password"]
                posted = http.post(action, data={"login": username, "password": password})
                answer = self._follow(http, posted, redirect_uri)
        query = parse_qs(urlparse(answer.headers["location"]).query)
        assert "code" in query, answer.headers["location"]
        return query["code"][0], verifier

    @staticmethod
    def _follow(http: httpx.Client, answer: httpx.Response, redirect_uri: str) -> httpx.Response:
        while answer.is_redirect and not answer.headers["location"].startswith(redirect_uri):
            answer = http.get(urljoin(str(answer.url), answer.headers["location"]))
        return answer

    def access_token(
        self, username: str, *, resource: str | None = None, client_id: str = CLIENT_ID
    ) -> str:
        """An access token of `username`, through the authorization code flow with PKCE."""
        code, verifier = self.authorization_code(username, resource=resource, client_id=client_id)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": TEST_REDIRECT,
            "client_id": client_id,
            "code_verifier": verifier,
        }
        if resource is not None:
            form["resource"] = resource
        with httpx.Client(base_url=self.issuer, timeout=10) as http:
            tokens = http.post("/token", data=form)
        assert tokens.status_code == 200, tokens.text
        return str(tokens.json()["access_token"])
