"""Browser-facing security of every answer: Content-Security-Policy (no inline script in the
web app), no framing, no sniffing, no referrer, HSTS over TLS, and the CORS allow-list.

Three policies: the web app under /app (its own scripts and styles only), the API docs
(/docs: Swagger UI's files come from the product itself, see platform/apidocs.py; the one
inline script of the page is allowed by its hash, computed from the page as served), and
everything else (JSON, PDF, CSV: nothing may load at all).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulse.platform.settings import comma_list

APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' {hashes}; "
    # Swagger UI styles its own elements at run time.
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs"})
WEB_PREFIX = "/app"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
# What a browser on an allowed origin may send and read (CORS).
CORS_METHODS = ["GET", "POST", "PATCH"]
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"]
CORS_EXPOSED = ["X-Request-ID", "Retry-After", "Content-Disposition", "X-Execution-Time-Ms"]


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP sources allowing exactly the inline scripts of HTML."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]


def docs_policy(html: bytes) -> str:
    return DOCS_CSP.format(hashes=" ".join(inline_script_hashes(html))).replace(" ;", ";")


def _policy_for(path: str) -> str:
    if path == WEB_PREFIX or path.startswith(WEB_PREFIX + "/"):
        return APP_CSP
    return API_CSP


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP answer; a header the route set itself is kept."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False, hsts_max_age: int = 31_536_000):
        self.app = app
        self.hsts_always = hsts
        self.hsts_value = f"max-age={hsts_max_age}; includeSubDomains".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra: list[tuple[bytes, bytes]] = list(COMMON_HEADERS)
        if self.hsts_always or scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", self.hsts_value))
        if path in DOCS_PATHS:
            await self._docs(scope, receive, send, extra)
            return
        extra.append((b"content-security-policy", _policy_for(path).encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merged(message.get("headers", []), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(
        self, scope: Scope, receive: Receive, send: Send, extra: list[tuple[bytes, bytes]]
    ) -> None:
        """The docs pages are small and static: hold the answer until its body is known, so
        the policy can allow its inline script by hash."""
        start: Message | None = None
        body: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            whole = b"".join(body)
            policy = (b"content-security-policy", docs_policy(whole).encode())
            start["headers"] = _merged(start.get("headers", []), [*extra, policy])
            await send(start)
            await send({"type": "http.response.body", "body": whole, "more_body": False})

        await self.app(scope, receive, hold)


def _merged(
    headers: Iterable[tuple[bytes, bytes]], extra: Iterable[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    merged = list(headers)
    present = {name.lower() for name, _ in merged}
    merged.extend((name, value) for name, value in extra if name not in present)
    return merged


def allowed_origins(setting: str) -> list[str]:
    return [origin.rstrip("/") for origin in comma_list(setting)]


def install_security(app: FastAPI, *, cors_origins: str, hsts: bool, hsts_max_age: int) -> None:
    """Call after every other middleware: these wrap them all, so even a refusal by an
    inner one carries the headers (and, for an allowed origin, CORS)."""
    origins = allowed_origins(cors_origins)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            # Bearer tokens, no cookies: a cross-origin call never carries credentials.
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts, hsts_max_age=hsts_max_age)
