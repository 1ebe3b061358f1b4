"""What a request may be before any route reads it: a bounded target (path and query) and
body, and JSON bodies that name each key once. Each refusal is a problem+json 4xx.

The server's own parser (uvicorn with httptools) refuses a request target beyond 64 KiB with a
plain-text 400 before any app code runs; the cap here (60 KiB by default) sits below it, so
an over-long target the app does see gets a problem+json 414, not a route's odd answer.
"""

from __future__ import annotations

import functools
import json
from email.message import Message as MimeMessage
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulse.platform.errors import problem

DEFAULT_MAX_TARGET_BYTES = 60 * 1024
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def json_problem(body: bytes) -> tuple[int, str, str, str] | None:
    """What makes BODY unacceptable JSON that the route's own parsing would not say well:
    (status, code, detail, field). Other malformed JSON is left to the route, which answers
    it. JSON a parser gives up on (not UTF-8, nested too deeply) is a 400, as the routes
    answer it; JSON that names a key twice is a 422."""
    try:
        json.loads(body, object_pairs_hook=_pairs_once)
    except DuplicateKey as exc:
        detail = f"the JSON body gives the key '{exc.key}' more than once"
        return 422, "duplicate_key", detail, exc.key
    except UnicodeDecodeError:
        return 400, "invalid_json", "the body cannot be read as JSON: it is not UTF-8", "body"
    except RecursionError:
        return 400, "invalid_json", "the body cannot be read as JSON: nested too deeply", "body"
    except ValueError:
        return None
    return None


@functools.lru_cache(maxsize=256)
def _is_json(content_type: str | None) -> bool:
    # As FastAPI decides: no content type, application/json or application/*+json.
    if not content_type:
        return True
    message = MimeMessage()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


class RequestLimitsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_target_bytes: int = DEFAULT_MAX_TARGET_BYTES,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.max_target_bytes = max_target_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("raw_path") or scope["path"].encode()
        if len(path) + len(scope.get("query_string", b"")) > self.max_target_bytes:
            await self._refuse(
                scope,
                receive,
                send,
                414,
                "uri_too_long",
                f"the request target (path and query) is longer than {self.max_target_bytes} bytes",
            )
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type")
        if body and _is_json(content_type.decode("latin-1") if content_type else None):
            refused = json_problem(body)
            if refused is not None:
                status, code, detail, field = refused
                await self._refuse(scope, receive, send, status, code, detail, field=field)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._refuse(
            scope,
            receive,
            send,
            413,
            "body_too_large",
            f"the request body is larger than {self.max_body_bytes} bytes",
        )

    @staticmethod
    async def _refuse(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        detail: str,
        **extra: Any,
    ) -> None:
        response = problem(status, code, detail, instance=scope.get("path"), **extra)
        await response(scope, receive, send)
