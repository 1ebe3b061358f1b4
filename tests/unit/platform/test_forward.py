"""Requests handed on to another app over a Unix socket (`ForwardToSocket`,
platform/forward.py), both apps served by uvicorn in the test's loop: what the client sent
reaches the other app as it was, its answer comes back as it was (a live stream chunk by
chunk), only the prefixes given are handed on, and nobody listening is a 503 problem."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from pulse.platform.forward import ForwardToSocket, socket_client

STEP_SECONDS = 10.0
# Percent-escapes, characters left raw, a name without a value, a repeated name.
QUERY = "sql=SELECT%20count(*)%20FROM%20orders&flag&x=a%2Bb&x=2&q=caf%C3%A9+au+lait"


class Back:
    """The app the requests are handed on to. Its stream sends its next chunk only when the
    test says so, and records when its client (the forwarder) has gone."""

    def __init__(self) -> None:
        self.next_chunk = asyncio.Event()
        self.stream_closed = asyncio.Event()
        self.app = Starlette(
            routes=[
                Route("/query/stream", self.stream),
                Route("/query/status/{code:int}", self.status, methods=["GET", "PUT"]),
                Route("/query/{rest:path}", self.echo, methods=["GET", "POST"]),
                Route("/query", self.echo),
                Route("/stats", self.echo),
                Route("/metrics", self.echo),
                Route("/{rest:path}", self.elsewhere),
            ]
        )

    async def echo(self, request: Request) -> Response:
        body = await request.body()
        return JSONResponse(
            {
                "method": request.method,
                "path": request.scope["path"],
                "raw_path": request.scope["raw_path"].decode("latin-1"),
                "query_string": request.scope["query_string"].decode("latin-1"),
                "headers": [[k.decode(), v.decode()] for k, v in request.headers.raw],
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "body_length": len(body),
            }
        )

    async def status(self, request: Request) -> Response:
        response = PlainTextResponse(
            f"answered {request.path_params['code']}",
            status_code=request.path_params["code"],
            headers={"x-answered-by": "back", "cache-control": "no-store", "etag": '"v1"'},
        )
        response.raw_headers.append((b"set-cookie", b"a=1; Path=/"))
        response.raw_headers.append((b"set-cookie", b"b=2; Path=/"))
        return response

    async def stream(self, request: Request) -> Response:
        async def events() -> AsyncIterator[bytes]:
            try:
                for number in range(3):
                    if number:
                        await self.next_chunk.wait()
                        self.next_chunk.clear()
                    yield f"data: {number}\n\n".encode()
            finally:
                self.stream_closed.set()

        return StreamingResponse(events(), media_type="text/event-stream")

    async def elsewhere(self, request: Request) -> Response:
        return PlainTextResponse("back")


def front_app(forwarding: httpx.AsyncClient) -> Starlette:
    async def own(request: Request) -> Response:
        return PlainTextResponse(f"front {request.url.path}")

    own_paths = ("/queryx", "/other", "/statsx/1", "/metrics", "/metrics/flow/x")
    app = Starlette(routes=[Route(path, own) for path in own_paths])
    app.add_middleware(
        ForwardToSocket,
        client=forwarding,
        prefixes=("/query", "/stats"),
        renamed={"/metrics/flow": "/metrics"},
    )
    return app


@contextlib.asynccontextmanager
async def serving(app: Starlette, path: Path) -> AsyncIterator[None]:
    """`app` served by uvicorn on the Unix socket `path`, in this loop."""
    config = uvicorn.Config(
        app,
        uds=str(path),
        lifespan="off",
        log_level="warning",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(STEP_SECONDS):
            while not server.started:
                assert not task.done(), "the server did not start"
                await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=STEP_SECONDS)


@pytest.fixture
def sockets() -> Iterator[Path]:
    """A short folder for the sockets: a Unix socket's path takes at most 107 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="fwd-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.asynccontextmanager
async def front_to(back_socket: Path, sockets: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the front app (served on a socket of its own), which hands /query and
    /stats on to `back_socket`."""
    front_socket = sockets / "front.sock"
    async with socket_client(str(back_socket)) as forwarding:
        async with serving(front_app(forwarding), front_socket):
            async with httpx.AsyncClient(
                transport=httpx.AsyncHTTPTransport(uds=str(front_socket)),
                base_url="http://pulse.test",
                timeout=STEP_SECONDS,
            ) as client:
                yield client


@pytest.fixture
async def back(sockets: Path) -> AsyncIterator[Back]:
    served = Back()
    async with serving(served.app, sockets / "back.sock"):
        yield served


@pytest.fixture
async def client(back: Back, sockets: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with front_to(sockets / "back.sock", sockets) as front:
        yield front


async def test_a_get_reaches_the_other_app_with_its_path_query_and_headers(
    client: httpx.AsyncClient,
) -> None:
    sent = [
        ("authorization", "Bearer a-token"),
        ("accept", "text/csv"),
        ("x-multi", "one"),
        ("x-multi", "two"),
        ("if-none-match", '"v0"'),
    ]
    # Of this connection only: not handed on.
    hop_by_hop = [("keep-alive", "timeout=7"), ("upgrade", "websocket")]
    response = await client.get(f"/query/sales/a%2Fb?{QUERY}", headers=sent + hop_by_hop)
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["method"] == "GET"
    assert seen["path"] == "/query/sales/a/b"
    assert seen["raw_path"] == "/query/sales/a%2Fb"
    assert seen["query_string"] == QUERY
    headers = [tuple(pair) for pair in seen["headers"]]
    assert [h for h in headers if h[0] in dict(sent)] == sent
    assert ("host", "pulse.test") in headers
    assert not {"keep-alive", "upgrade"} & {name for name, _ in headers}
    assert seen["body_length"] == 0

    # The exact prefix too, and the other one.
    assert (await client.get("/query")).json()["path"] == "/query"
    stats = await client.get("/stats?days=7")
    assert (stats.json()["path"], stats.json()["query_string"]) == ("/stats", "days=7")


async def test_a_post_body_reaches_the_other_app_whole(client: httpx.AsyncClient) -> None:
    # Larger than one read of the server's: it arrives in several ASGI messages.
    body = bytes(range(256)) * 2048
    response = await client.post(
        "/query/upload?kind=raw",
        content=body,
        headers={"content-type": "application/octet-stream"},
    )
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["query_string"] == "kind=raw"
    assert seen["body_length"] == len(body)
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert ("content-type", "application/octet-stream") in [tuple(h) for h in seen["headers"]]


@pytest.mark.parametrize("code", [201, 304, 404, 418])
async def test_the_status_and_headers_come_back_without_a_second_date_or_server(
    client: httpx.AsyncClient, code: int
) -> None:
    response = await client.get(f"/query/status/{code}")
    assert response.status_code == code
    assert response.headers["x-answered-by"] == "back"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["etag"] == '"v1"'
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    # The front's own server writes these; the other app's copies are dropped.
    assert len(response.headers.get_list("date")) == 1
    assert response.headers.get_list("server") == ["uvicorn"]
    if code != 304:
        assert response.text == f"answered {code}"


async def test_a_stream_comes_back_chunk_by_chunk_before_it_ends(
    client: httpx.AsyncClient, back: Back
) -> None:
    async with client.stream("GET", "/query/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        chunks = response.aiter_raw()
        # The other app sends its next chunk only once this one has arrived here.
        for number in range(3):
            chunk = await asyncio.wait_for(anext(chunks), timeout=STEP_SECONDS)
            assert chunk == f"data: {number}\n\n".encode()
            back.next_chunk.set()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(chunks), timeout=STEP_SECONDS)


async def test_a_client_that_goes_away_ends_the_stream_at_the_other_app(
    client: httpx.AsyncClient, back: Back
) -> None:
    async with client.stream("GET", "/query/stream") as response:
        chunk = await asyncio.wait_for(anext(response.aiter_raw()), timeout=STEP_SECONDS)
        assert chunk == b"data: 0\n\n"
    # The stream waits for a chunk that never comes: only the client's going ends it.
    await asyncio.wait_for(back.stream_closed.wait(), timeout=STEP_SECONDS)


# A renamed path is that path alone: its own name and what is under it stay here.
@pytest.mark.parametrize("path", ["/queryx", "/other", "/statsx/1", "/metrics", "/metrics/flow/x"])
async def test_other_paths_are_answered_here(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).text == f"front {path}"


@pytest.mark.parametrize("listener", ["no socket", "a socket nobody listens on"])
async def test_nobody_listening_is_a_503_problem_with_retry_after(
    sockets: Path, listener: str
) -> None:
    path = sockets / "back.sock"
    if listener != "no socket":
        # What a killed process leaves: the file, and nothing accepting on it.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as left:
            left.bind(str(path))
    async with front_to(path, sockets) as client:
        response = await client.get(f"/query/kpis?{QUERY}")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "2"
        problem = json.loads(response.text)
        assert (problem["status"], problem["code"]) == (503, "analytics_starting")
        # The rest of the app answers meanwhile.
        assert (await client.get("/other")).text == "front /other"


async def test_a_renamed_path_reaches_the_other_app_as_the_path_it_names(
    client: httpx.AsyncClient,
) -> None:
    seen = (await client.get("/metrics/flow")).json()
    assert (seen["path"], seen["raw_path"]) == ("/metrics", "/metrics")
