"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from pulse.platform import outbox
from pulse.platform.observability import CONSUMER_LAG, DEAD_LETTERS, OUTBOX_BACKLOG

router = APIRouter(tags=["health"])


@router.get("/health")
@router.get("/healthz")
async def alive() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "Some dependency is not ready (see `checks`)"}},
)
async def ready(request: Request) -> JSONResponse:
    container = request.app.state.container
    checks: dict[str, Any] = {}
    try:
        async with container.uow(readonly=True) as uow:
            await uow.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        checks["bus"] = "ok" if await container.bus.ready() else "not ready"
    except Exception as exc:  # noqa: BLE001
        checks["bus"] = f"error: {type(exc).__name__}"
    try:
        await asyncio.wait_for(container.store.check(), timeout=5)
        checks["object_store"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["object_store"] = f"error: {type(exc).__name__}"
    if socket := container.settings.analytics_socket:
        # The analytics store's process (flow_process.py) listens once it has started.
        try:
            _, writer = await asyncio.wait_for(asyncio.open_unix_connection(socket), timeout=2)
            writer.close()
            checks["analytics"] = "ok"
        except (OSError, TimeoutError) as exc:
            checks["analytics"] = f"not ready: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    # How far each consumer is behind the stream (informative: a lag is load, not a fault).
    consumers: dict[str, dict[str, Any]] = {}
    with contextlib.suppress(Exception):
        for status in await container.bus.status():
            CONSUMER_LAG.labels(status.name).set(status.lag)
            consumers[status.name] = {
                "position": status.position,
                "lag": status.lag,
                "running_here": status.running,
            }
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": checks, "consumers": consumers},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> Response:
    container = request.app.state.container
    try:
        async with container.uow(readonly=True) as uow:
            OUTBOX_BACKLOG.set(await outbox.backlog(uow.session))
            for read in container.metric_readers:
                await read(uow)
            DEAD_LETTERS.set(await outbox.dead_letter_count(uow.session))
        for status in await container.bus.status():
            CONSUMER_LAG.labels(status.name).set(status.lag)
    except Exception:  # noqa: BLE001 - metrics still answer when the database is down
        pass
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
