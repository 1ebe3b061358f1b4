"""Requests for some paths answered by another process of the same server, over a Unix socket.

The embedded server runs the analytics store (its projector, `/query`, `/stats` and the
live push) in the order flow's process (`pulse.flow_process`), so that DuckDB's batches
and queries never hold the API process's interpreter lock. The API process hands those
requests on unchanged: method, path, query, headers and body go to the other process's
app, which authenticates, checks permissions and answers like any serving process; its
status, headers and body (a live stream included, chunk by chunk) come back as they are.
While that process is not listening (starting, or being started again) the answer is a
503 problem with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from pulse.platform.errors import problem

# Headers of one connection, not of the message (RFC 9110 §7.6.1).
HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"te", b"trailer"}
)
# Written by this process's own server on every answer.
OWN_HEADERS = HOP_BY_HOP | {b"date", b"server"}
UNAVAILABLE_RETRY_SECONDS = 2


class ForwardToSocket:
    """Hands on the paths that are one of `prefixes` or under one, as they are, and each
    path of `renamed` as the path it names (`/metrics/flow` → the other's `/metrics`)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        client: httpx.AsyncClient,
        prefixes: Sequence[str],
        renamed: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        self.renamed = dict(renamed or {})
        self.client = client

    def _forwarded(self, path: str) -> bool:
        return path in self.renamed or any(
            path == p or path.startswith(p + "/") for p in self.prefixes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._forwarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        if scope.get("client"):
            headers.append((b"x-forwarded-for", scope["client"][0].encode()))
        url = httpx.URL(
            self.renamed.get(scope["path"])
            or (scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"])
        )
        if query := scope["query_string"]:
            # As received: `params=` would parse and encode it again (`%20` → `+`, `(` →
            # `%28`, `flag` → `flag=`), and a longer query can pass the request-target
            # limit here yet not there.
            url = url.copy_with(query=query)
        request = self.client.build_request(
            scope["method"], url, headers=headers, content=bytes(body)
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TransportError:
            await _unavailable(scope, receive, send)
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (k, v) for k, v in response.headers.raw if k.lower() not in OWN_HEADERS
                    ],
                }
            )
            await _relay(response, receive, send)
        finally:
            await response.aclose()


def socket_client(socket_path: str) -> httpx.AsyncClient:
    """The client that reaches the other process's app (`ForwardToSocket`'s `client`)."""
    return httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(uds=socket_path),
        base_url="http://pulse-analytics",
        # A live stream sends a keep-alive every 15 s and may last for hours.
        timeout=httpx.Timeout(60.0, read=None),
    )


async def _relay(response: httpx.Response, receive: Receive, send: Send) -> None:
    """The body, chunk by chunk, until it ends or the client goes away."""

    async def pump() -> None:
        with contextlib.suppress(httpx.TransportError):
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = [asyncio.ensure_future(pump()), asyncio.ensure_future(gone())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _unavailable(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(
        503,
        "analytics_starting",
        "the analytics store's process is starting; try again shortly",
        retry_after=UNAVAILABLE_RETRY_SECONDS,
    )
    await response(scope, receive, send)
