"""Every log line is JSON with its module, request id, trace id and user; secrets never
reach it, whether named by their key or hidden in a text; libraries speak only from
warnings up."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import structlog
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from pulse.platform import tracing
from pulse.platform.observability import configure_logging

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl"
KEYS = {"event", "level", "timestamp", "module", "request_id", "trace_id", "user"}


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", json=True, stream=stream)
    yield stream
    configure_logging("INFO", json=True)
    structlog.contextvars.clear_contextvars()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_each_line_says_where_and_whose(output: io.StringIO) -> None:
    log = structlog.get_logger("anything")
    log.info("plain")
    structlog.contextvars.bind_contextvars(request_id="req-1", user="clerk")
    log.debug("inside", sku="A-1")
    logging.getLogger("some.library").warning("from the standard library %s", "too")
    plain, inside, library = lines(output)
    for line in (plain, inside, library):
        assert KEYS <= set(line), line
    assert plain["module"] == __name__ and plain["request_id"] is None and plain["user"] is None
    assert inside["request_id"] == "req-1" and inside["user"] == "clerk"
    assert inside["level"] == "debug" and inside["sku"] == "A-1"
    assert library["module"] == "some.library" and library["user"] == "clerk"
    assert library["event"] == "from the standard library too"


def test_the_trace_id_of_the_current_span(output: io.StringIO) -> None:
    tracing.install(SimpleSpanProcessor(InMemorySpanExporter()))
    try:
        assert tracing._tracer is not None
        with tracing._tracer.start_as_current_span("work") as span:
            structlog.get_logger().info("traced")
    finally:
        tracing.uninstall()
    (line,) = lines(output)
    assert line["trace_id"] == f"{span.get_span_context().trace_id:032x}"


def test_secrets_are_redacted(output: io.StringIO) -> None:
    log = structlog.get_logger()
    log.warning(
        "careless",
        password="hunter2-secret",
        new_password="hunter3-secret",
        refresh_token="opaque-refresh-value",
        authorization=f"Bearer {JWT}",
        jwt_secret="signing-key-value",
        detail=f"request failed with header Bearer {JWT} attached",
        note=f"a token {JWT} in the text",
    )
    try:
        raise ValueError(f"Authorization: Bearer {JWT}")
    except ValueError:
        log.exception("failed")
    logging.getLogger("lib").error("sent %s", f"bearer {JWT}")
    text = output.getvalue()
    for secret in ("hunter2", "hunter3", "opaque-refresh-value", JWT, "signing-key-value"):
        assert secret not in text
    careless = lines(output)[0]
    assert careless["password"] == careless["refresh_token"] == "[redacted]"
    assert careless["detail"] == "request failed with header [redacted] attached"
    assert "ValueError" in lines(output)[1]["exception"]


def test_libraries_speak_from_warnings_up(output: io.StringIO) -> None:
    # SQLAlchemy's engine logs each statement with its parameters at INFO.
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)
    assert logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.WARNING)
