"""The FastAPI application: every module's router, error handlers, metrics."""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from pulse.analytics.api import router as analytics_router
from pulse.billing.api import router as billing_router
from pulse.bootstrap import Container, build_container
from pulse.inventory.api import router as inventory_router
from pulse.orders.api import customers as customers_router
from pulse.orders.api import orders as orders_router
from pulse.platform import health
from pulse.platform.apidocs import install_api_docs
from pulse.platform.audit.api import router as audit_router
from pulse.platform.auth.api import router as auth_router
from pulse.platform.auth.second_factor_api import router as second_factor_router
from pulse.platform.auth.sessions_api import router as sessions_router
from pulse.platform.auth.sso_api import router as sso_router
from pulse.platform.backpressure import Backlog
from pulse.platform.company.api import router as settings_router
from pulse.platform.errors import install_error_handlers
from pulse.platform.forward import ForwardToSocket, socket_client
from pulse.platform.observability import RequestContextMiddleware, configure_logging
from pulse.platform.openapi import declare_problems
from pulse.platform.request_limits import RequestLimitsMiddleware
from pulse.platform.security import install_security
from pulse.platform.settings import Settings
from pulse.platform.webui import install_web_ui


def create_app(
    container: Container | None = None,
    settings: Settings | None = None,
    *,
    freeze_heap: bool = False,
) -> FastAPI:
    """`freeze_heap`, for a serving process: once started, what start-up built (modules,
    classes, routes, validators: most of the heap, kept for the process's life) is moved out
    of the garbage collector's reach, so a full collection scans only what requests and
    batches allocate. Measured on the 2-core reference machine: a full collection took
    130–300 ms before (every request in flight stalled meanwhile), under 1 ms after. Not for
    tests, which build many apps in one process."""
    container = container or build_container(settings)
    # The analytics store served by another process of this server (flow_process.py).
    elsewhere = container.settings.analytics_socket
    forwarding = socket_client(elsewhere) if elsewhere else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        backlog.start()
        if freeze_heap:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if freeze_heap:
                # Back in reach, so that what start-up built is freed at exit.
                gc.unfreeze()
            await backlog.stop()
            await container.stop()
            if forwarding is not None:
                await forwarding.aclose()

    app = FastAPI(
        title="Pulse ERP",
        version="0.1.0",
        description="Orders, inventory, billing and live business intelligence.",
        lifespan=lifespan,
        # Served from the product's own files (platform/apidocs.py), not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    settings = container.settings
    backlog = Backlog.for_bus(container.bus, container.uow, limit=settings.max_backlog)
    app.state.backlog = backlog
    install_error_handlers(app)
    # Added inside out: the last one added sees the request first.
    app.add_middleware(
        RequestLimitsMiddleware,
        max_target_bytes=settings.max_target_bytes,
        max_body_bytes=settings.max_body_bytes,
    )
    app.add_middleware(RequestContextMiddleware)
    install_security(
        app,
        cors_origins=settings.cors_allow_origins,
        hsts=settings.hsts,
        hsts_max_age=settings.hsts_max_age_seconds,
    )
    # The router tries the routes in this order, each in turn, so the busiest come first;
    # no two routers' paths overlap, so the order decides nothing else.
    app.include_router(orders_router)
    app.include_router(inventory_router)
    app.include_router(customers_router)
    app.include_router(billing_router)
    app.include_router(analytics_router)
    app.include_router(auth_router)
    app.include_router(sessions_router)
    app.include_router(second_factor_router)
    app.include_router(sso_router)
    app.include_router(audit_router)
    app.include_router(settings_router)
    app.include_router(health.router)
    install_web_ui(app, settings.resolved_web_dir)
    install_api_docs(app)
    if forwarding is not None:
        app.add_middleware(
            ForwardToSocket, client=forwarding, prefixes=ANALYTICS_PATHS, renamed=RENAMED
        )
    # Refusals no rule can see from the route: credentials in the body, login throttling.
    declare_problems(app, extra={"POST /auth/login": (401, 429), "POST /auth/refresh": (401,)})
    return app


# What the process owning the analytics store answers (analytics/api.py's routes).
ANALYTICS_PATHS = ("/query", "/stats")
# And that process's own metrics (its consumers, the projector), here under another name.
RENAMED = {"/metrics/flow": "/metrics"}


def create_served_app() -> FastAPI:
    """The app of one of several serving processes (`pulse serve --workers N`), each
    started afresh: its settings from the environment, its own logging."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings=settings, freeze_heap=True)


def openapi_document() -> str:
    """The API's OpenAPI document as stable text: `web/openapi.json`, from which the web
    client's types are generated, is this text, and a test keeps the two equal."""
    document = create_app(settings=Settings(data_dir=Path("/nonexistent"))).openapi()
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
