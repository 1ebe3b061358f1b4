"""An idle kept-alive connection is the client's to close: the servers keep it open longer
than clients keep theirs, so a request sent on it is never met by a reset."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pulse.platform.serving import uvicorn_options
from pulse.platform.settings import Settings

# Node's, httpx's and uvicorn's own default idle time of a kept-alive connection.
CLIENT_IDLE_SECONDS = 5


async def echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.url.path)


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[int]:
    """A small app served with the product's options on a free port of 127.0.0.1."""
    options = {**uvicorn_options(settings), "host": "127.0.0.1", "port": 0, "lifespan": "off"}
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/{p}", echo)]), **options))
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                assert not task.done(), "the server did not start"
                await asyncio.sleep(0.01)
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> bytes:
    """One GET on the open connection; b"" when the server has closed it."""
    writer.write(f"GET /{path} HTTP/1.1\r\nHost: pulse.test\r\n\r\n".encode())
    with contextlib.suppress(ConnectionResetError, BrokenPipeError):
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return head + await reader.readexactly(length)
    return b""


async def idle_then_ask(settings: Settings, idle: float) -> bytes:
    async with served(settings) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            first = await ask(reader, writer, "first")
            assert first.startswith(b"HTTP/1.1 200") and first.endswith(b"/first")
            await asyncio.sleep(idle)
            try:
                return await ask(reader, writer, "second")
            except asyncio.IncompleteReadError:
                return b""
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def test_the_default_outlasts_the_clients_idle_time() -> None:
    assert Settings().keep_alive_seconds > CLIENT_IDLE_SECONDS


async def test_a_connection_idle_as_long_as_a_client_keeps_one_still_answers() -> None:
    answer = await idle_then_ask(Settings(), CLIENT_IDLE_SECONDS + 1)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert answer.endswith(b"/second")


async def test_past_the_setting_the_server_closes_it() -> None:
    assert await idle_then_ask(Settings(keep_alive_seconds=1), 2) == b""


@pytest.mark.parametrize("workers", [1, 2])
def test_pulse_serve_uses_these_options(
    monkeypatch: pytest.MonkeyPatch, workers: int, tmp_path: Any
) -> None:
    from pulse import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr("pulse.platform.auth.keys.load_key_ring", lambda settings: None)
    settings = Settings(data_dir=tmp_path, consumers="none", keep_alive_seconds=42)
    cli._serve(settings, host="127.0.0.1", port=1, workers=workers)
    assert seen["timeout_keep_alive"] == 42
    assert seen["proxy_headers"] is False
