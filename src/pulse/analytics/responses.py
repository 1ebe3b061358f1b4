"""The plumbing of the analytics endpoints: which process answers, how an answer is encoded
(JSON, CSV or Excel) and timed, and how it is described in the OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import duckdb
from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from pulse.analytics import export
from pulse.analytics.live import dumps
from pulse.analytics.service import Analytics
from pulse.analytics.store import snapshot
from pulse.platform.deps import get_container
from pulse.platform.errors import PulseError


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


FormatQuery = Annotated[Format, Query(description="json (default), csv or xlsx")]
Days = Annotated[int, Query(ge=1, le=3660, description="Days up to and including today")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Responses = dict[int | str, dict[str, Any]]


class AnalyticsUnavailable(PulseError):
    status = 503
    code = "analytics_unavailable"


class RulesUnusable(PulseError):
    status = 503
    code = "rules_invalid"


def analytics_of(request: Request) -> Analytics:
    analytics = get_container(request).analytics
    if analytics is None or not analytics.store.is_open:
        raise AnalyticsUnavailable(
            "analytics is served by the process that runs the 'analytics' consumer "
            "(PULSE_CONSUMERS); this one does not"
        )
    return analytics


def answers(model: type[BaseModel], description: str, *, exports: bool = True) -> Responses:
    """The 200 answer for the OpenAPI document only: the JSON is still built by `dumps`,
    never validated against `model`; reports also offer CSV and Excel."""
    ok: dict[str, Any] = {"model": model, "description": description}
    if exports:
        ok["content"] = {
            "text/csv": {"schema": {"type": "string"}},
            export.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    return {200: ok}


def now_utc() -> datetime:
    return datetime.now(UTC)


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def encode(
    name: str,
    result: dict[str, Any],
    fmt: Format,
    table: Callable[[dict[str, Any]], list[dict[str, Any]]] | None,
) -> Response:
    if fmt is Format.JSON:
        return json_response(result)
    rows = table(result) if table else result["rows"]
    headers = {"X-Execution-Time-Ms": str(result["execution_time_ms"])}
    if fmt is Format.CSV:
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(export.to_csv(rows), media_type=export.CSV_TYPE, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return Response(export.to_xlsx(rows, sheet=name), media_type=export.XLSX_TYPE, headers=headers)


async def report(
    request: Request,
    name: str,
    query: Callable[[duckdb.DuckDBPyConnection], dict[str, Any]],
    fmt: Format = Format.JSON,
    *,
    table: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None,
    inputs: Hashable | None = None,
) -> Response:
    """Run `query` on a reader thread and encode its answer there too, so a large answer
    never holds the event loop. `inputs`: everything besides the store the answer depends
    on (its query parameters, today's date); given, the answer is shared with every request
    that asks the same before the store changes (answers.py). `execution_time_ms` is then
    the time the shared answer took."""
    analytics = analytics_of(request)

    def run(cur: duckdb.DuckDBPyConnection) -> Response:
        started = time.perf_counter()
        result = snapshot(cur, query)
        result["execution_time_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return encode(name, result, fmt, table)

    if inputs is None:
        return await analytics.store.read(run)
    return await analytics.answers.get(
        (name, fmt, inputs), analytics.store.generation, lambda: analytics.store.read(run)
    )
