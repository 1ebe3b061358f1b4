"""JSON logs with request and trace ids, a request span, and Prometheus metrics for HTTP,
the outbox, consumers and the business (orders, revenue, order latencies, payments)."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, MutableMapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TextIO, cast

import structlog
from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulse.platform import tracing

HTTP_REQUESTS = Counter("pulse_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "pulse_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge("pulse_outbox_backlog", "Outbox events not yet relayed")
CONSUMER_LAG = Gauge("pulse_consumer_lag", "Events a consumer is behind the stream", ["consumer"])
DEAD_LETTERS = Gauge("pulse_dead_letters", "Events in the dead-letter table (all processes)")
# -- the business ----------------------------------------------------------------------------
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
ORDERS_PLACED = Counter("pulse_orders_placed_total", "Orders placed", ["currency"])
ORDERS_PLACED_VALUE = Counter(
    "pulse_orders_placed_value_total",
    "Total (tax included) of the orders placed, in units of the currency",
    ["currency"],
)
REVENUE = Counter(
    "pulse_revenue_total",
    "Revenue invoiced: the totals (tax included) of the invoices issued, in units of the currency",
    ["currency"],
)
ORDER_TO_CONFIRMED = Histogram(
    "pulse_order_confirmation_seconds",
    "Time from an order placed (its event's occurred time) to the commit that confirmed or "
    "rejected it",
    buckets=_LATENCY_BUCKETS,
)
ORDER_TO_DASHBOARD = Histogram(
    "pulse_order_dashboard_seconds",
    "Time from an order placed (its event's occurred time) to the analytics store's commit "
    "that shows it",
    buckets=_LATENCY_BUCKETS,
)
PAYMENTS_FAILED = Counter(
    "pulse_payments_failed_total", "Payments refused, by the reason's code", ["reason"]
)


class _Business:
    """The business counters of the company's currency (every amount is in it), their
    children looked up once: `labels()` costs more than the increment on the order path."""

    def __init__(self, currency: str) -> None:
        self.placed = ORDERS_PLACED.labels(currency)
        self.placed_value = ORDERS_PLACED_VALUE.labels(currency)
        self.revenue = REVENUE.labels(currency)


_business: list[_Business] = []


def set_currency(code: str) -> None:
    """Set by the composition root from PULSE_CURRENCY."""
    _business[:] = [_Business(code)]


def _current() -> _Business:
    if not _business:
        set_currency("EUR")
    return _business[0]


def order_placed(total: Decimal) -> None:
    business = _current()
    business.placed.inc()
    # A gauge of the business, not a ledger: the books keep the exact Decimal amounts.
    business.placed_value.inc(float(total))


def invoiced(totals: Iterable[Decimal]) -> None:
    _current().revenue.inc(float(sum(totals, Decimal(0))))


def since(moments: Iterable[datetime], histogram: Histogram) -> None:
    """Observe the time from each moment until now (naive moments are UTC)."""
    now = datetime.now(UTC)
    for moment in moments:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        histogram.observe(max(0.0, (now - moment).total_seconds()))


# -- logs ------------------------------------------------------------------------------------
class _Output:
    """Where log lines go; one object, so loggers made (and cached) before a
    reconfiguration write to the new stream too."""

    target: TextIO = sys.stderr

    def write(self, text: str) -> int:
        return self.target.write(text)

    def flush(self) -> None:
        self.target.flush()


_OUTPUT = _Output()
_SENSITIVE_KEY = re.compile(
    r"pass(word|wd|phrase)?$|secret|token$|tokens?_?(value|text)|authori[sz]ation|cookie|"
    r"api_?key|credential|totp|otp_code",
    re.IGNORECASE,
)
# A bearer credential or a JWT inside any text (an exception message, a header echoed back).
_SENSITIVE_TEXT = re.compile(r"(?i:bearer)\s+[\w.~+/=-]+|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
REDACTED = "[redacted]"
_OWN_MODULES = ("structlog", "logging", __name__)


def _add_module(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """`module`: the dotted name of the code that wrote the line."""
    if "module" in event:
        return event
    record = event.get("_record")
    if record is not None:
        event["module"] = record.name
        return event
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(_OWN_MODULES):
        frame = frame.f_back
    event["module"] = frame.f_globals.get("__name__")
    return event


def _add_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Every line says which request, trace and user it belongs to (null where none)."""
    event.setdefault("request_id", None)
    event.setdefault("user", None)
    if event.get("trace_id") is None:
        event["trace_id"] = tracing.current_trace_id()
    return event


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """No password, secret or token reaches a log line, whoever wrote it."""
    for key, value in event.items():
        if value is None or key.startswith("_"):
            continue
        if _SENSITIVE_KEY.search(key):
            event[key] = REDACTED
        elif isinstance(value, str) and len(value) > 6:
            event[key] = _SENSITIVE_TEXT.sub(REDACTED, value)
    return event


def configure_logging(
    level: str = "INFO", json: bool = True, *, stream: TextIO | None = None
) -> None:
    """structlog and the standard library's logging (uvicorn, libraries) both write one JSON
    line per record to `stream` (stderr), each with timestamp, level, module, request id,
    trace id and user, secrets redacted."""
    _OUTPUT.target = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_module,
        _add_ids,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _redact, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # `_OUTPUT` has the one method a print logger calls (write).
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _OUTPUT)),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(_OUTPUT)
    handler.set_name("pulse")
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _redact,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "pulse"]:
        root.removeHandler(old)
    root.addHandler(handler)
    # Libraries speak from warnings up whatever the level: SQLAlchemy's engine, for one,
    # would log every statement with its parameters (password hashes included) at INFO.
    root.setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and, when tracing is on, a server
    span (continuing an incoming `traceparent`); records its metrics; binds the request id
    and trace id to every log line written meanwhile (the user is bound on authentication)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming_id, traceparent = _incoming(scope)
        request_id = incoming_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status_holder = {"status": 500}
        method = scope.get("method", "")
        start = time.perf_counter()
        span = tracing.start_request_span(method, traceparent)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        structlog.contextvars.bind_contextvars(
            request_id=request_id,
            trace_id=tracing.current_trace_id() if span else tracing.trace_id(traceparent),
        )
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            structlog.contextvars.unbind_contextvars("request_id", "trace_id", "user")
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            HTTP_REQUESTS.labels(method, path, str(status_holder["status"])).inc()
            HTTP_LATENCY.labels(method, path).observe(time.perf_counter() - start)
            if span is not None:
                tracing.end_request_span(span, path, method, status_holder["status"])


def _incoming(scope: Scope) -> tuple[str | None, str | None]:
    """The request's own X-Request-ID (if sane) and W3C traceparent."""
    request_id = traceparent = None
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if 0 < len(text) <= 64 and text.isprintable():
                request_id = text
        elif name == b"traceparent" and len(value) == 55:
            traceparent = value.decode("latin-1")
    return request_id, traceparent
