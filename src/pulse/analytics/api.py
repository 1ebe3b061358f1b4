"""HTTP endpoints of analytics: reports, KPIs, recommendations, read-only SQL, the live
stream and the projector's statistics. Served by the process that owns the DuckDB file.

Every JSON answer carries `execution_time_ms` (the time spent in DuckDB); every report also
answers `?format=csv` and `?format=xlsx`. The JSON is written by `live.dumps`, fast and
unchecked; `schemas` describes it for the OpenAPI document.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from pulse.analytics import kpis, queries, recommendations, schemas
from pulse.analytics.responses import (
    Days,
    Format,
    FormatQuery,
    Limit,
    RulesUnusable,
    analytics_of,
    answers,
    encode,
    json_response,
    now_utc,
    report,
)
from pulse.platform.auth.tokens import Principal
from pulse.platform.deps import Requires

router = APIRouter(tags=["analytics"])

Reader = Annotated[Principal, Requires("analytics:read")]
Analyst = Annotated[Principal, Requires("analytics:sql")]


@router.get(
    "/query/sales/hourly",
    summary="Sales per hour over the last hours",
    responses=answers(schemas.SalesHourlyReport, "Sales per hour, oldest first, with totals"),
)
async def sales_hourly(
    request: Request,
    _: Reader,
    hours: Annotated[int, Query(ge=1, le=24 * 93)] = 24,
    format: FormatQuery = Format.JSON,
) -> Response:
    now = now_utc()
    return await report(
        request, "sales-hourly", lambda c: queries.sales_hourly(c, hours=hours, now=now), format
    )


@router.get(
    "/query/sales/daily",
    summary="Sales per day over the last days",
    responses=answers(schemas.SalesDailyReport, "Sales per day, oldest first, with totals"),
)
async def sales_daily(
    request: Request, _: Reader, days: Days = 30, format: FormatQuery = Format.JSON
) -> Response:
    today = now_utc().date()
    return await report(
        request,
        "sales-daily",
        lambda c: queries.sales_daily(c, days=days, today=today),
        format,
        inputs=(days, today),
    )


@router.get(
    "/query/sales/top-products",
    summary="Best-selling products by revenue",
    responses=answers(schemas.TopProductsReport, "Products by revenue"),
)
async def top_products(
    request: Request,
    _: Reader,
    days: Annotated[int | None, Query(ge=1, le=3660, description="Omit for all time")] = None,
    limit: Limit = 10,
    format: FormatQuery = Format.JSON,
) -> Response:
    today = now_utc().date()
    return await report(
        request,
        "top-products",
        lambda c: queries.top_products(c, days=days, limit=limit, today=today),
        format,
        inputs=(days, limit, today),
    )


@router.get(
    "/query/sales/top-customers",
    summary="Best customers by revenue",
    responses=answers(schemas.TopCustomersReport, "Customers by revenue"),
)
async def top_customers(
    request: Request,
    _: Reader,
    days: Annotated[int | None, Query(ge=1, le=3660, description="Omit for all time")] = None,
    limit: Limit = 10,
    format: FormatQuery = Format.JSON,
) -> Response:
    today = now_utc().date()
    return await report(
        request,
        "top-customers",
        lambda c: queries.top_customers(c, days=days, limit=limit, today=today),
        format,
        inputs=(days, limit, today),
    )


@router.get(
    "/query/inventory/low-stock",
    summary="Products at or below their reorder point",
    responses=answers(schemas.LowStockReport, "Products to reorder"),
)
async def low_stock(request: Request, _: Reader, format: FormatQuery = Format.JSON) -> Response:
    return await report(request, "low-stock", queries.low_stock, format, inputs=())


@router.get(
    "/query/inventory/stock",
    summary="Stock levels and value of every product",
    responses=answers(schemas.StockReport, "Stock of every active product, with totals"),
)
async def stock(request: Request, _: Reader, format: FormatQuery = Format.JSON) -> Response:
    return await report(request, "stock", queries.stock_levels, format, inputs=())


@router.get(
    "/query/inventory/movements",
    summary="Stock movements per day and kind",
    responses=answers(schemas.MovementsReport, "Stock movements per day and kind"),
)
async def movements(
    request: Request, _: Reader, days: Days = 30, format: FormatQuery = Format.JSON
) -> Response:
    today = now_utc().date()
    return await report(
        request,
        "stock-movements",
        lambda c: queries.stock_movements(c, days=days, today=today),
        format,
        inputs=(days, today),
    )


@router.get(
    "/query/ar/overdue",
    summary="Invoices past their due date with money owed",
    responses=answers(schemas.OverdueReport, "Overdue invoices, with totals"),
)
async def ar_overdue(
    request: Request, _: Reader, limit: Limit = 100, format: FormatQuery = Format.JSON
) -> Response:
    today = now_utc().date()
    return await report(
        request,
        "ar-overdue",
        lambda c: queries.ar_overdue(c, today=today, limit=limit),
        format,
        inputs=(today, limit),
    )


@router.get(
    "/query/ar/aging",
    summary="Open receivables by days past due",
    responses=answers(schemas.AgingReport, "Open receivables per bucket, with totals"),
)
async def ar_aging(request: Request, _: Reader, format: FormatQuery = Format.JSON) -> Response:
    today = now_utc().date()
    return await report(
        request, "ar-aging", lambda c: queries.ar_aging(c, today=today), format, inputs=(today,)
    )


@router.get(
    "/query/cash/daily",
    summary="Invoiced, credited, received, refunded per day",
    responses=answers(schemas.CashDailyReport, "Money in and out per day, with totals"),
)
async def cash_daily(
    request: Request, _: Reader, days: Days = 30, format: FormatQuery = Format.JSON
) -> Response:
    today = now_utc().date()
    return await report(
        request,
        "cash-daily",
        lambda c: queries.cash_daily(c, days=days, today=today),
        format,
        inputs=(days, today),
    )


def _kpi_table(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "kpi": name,
            "current": result["current"][name],
            "previous": result["previous"][name],
            "change_pct": result["change_pct"][name],
        }
        for name in kpis.COMPARED
    ]


@router.get(
    "/query/kpis",
    summary="Key figures for a period against the one before",
    responses=answers(schemas.KpiReport, "The key figures of both periods and their change"),
)
async def kpi_report(
    request: Request, _: Reader, days: Days = 30, format: FormatQuery = Format.JSON
) -> Response:
    today = now_utc().date()
    return await report(
        request,
        "kpis",
        lambda c: kpis.kpis(c, days=days, today=today),
        format,
        table=_kpi_table,
        inputs=(days, today),
    )


@router.get(
    "/query/recommendations",
    summary="What the KPI and recommendation rules advise",
    responses=answers(schemas.RecommendationsReport, "The recommendations, critical first"),
)
async def recommendations_report(
    request: Request, _: Reader, format: FormatQuery = Format.JSON
) -> Response:
    analytics = analytics_of(request)
    try:
        rules = analytics.rules()
    except recommendations.RulesError as exc:
        raise RulesUnusable(f"the recommendation rules cannot be used: {exc}") from exc
    today = now_utc().date()
    formats = analytics.formats_for(request.headers.get("accept-language"))
    return await report(
        request,
        "recommendations",
        lambda c: {
            "as_of": today,
            "rows": recommendations.evaluate(c, rules, today=today, formats=formats),
        },
        format,
        table=lambda r: [
            {k: v for k, v in row.items() if k != "data"} | row["data"] for row in r["rows"]
        ],
    )


@router.get(
    "/query",
    summary="Read-only SQL over the analytics store (analysts)",
    responses=answers(schemas.SqlResult, "The columns and rows of the query"),
)
async def sql_query(
    request: Request,
    _: Analyst,
    sql: Annotated[
        str,
        Query(
            min_length=1,
            # No maxLength here: the request target's own limit (414) is reached first by
            # long non-ASCII text; the sandbox refuses more than MAX_SQL_CHARS with a 422.
            description=(
                "One SELECT statement, run read-only on a snapshot at most a few seconds "
                "old; the answer is cut at the row and byte caps (`truncated`)"
            ),
        ),
    ],
    format: FormatQuery = Format.JSON,
) -> Response:
    analytics = analytics_of(request)
    settings = analytics.settings
    started = time.perf_counter()
    result = await analytics.sql.run(
        sql,
        position=analytics.projector.position,
        row_limit=settings.olap_sql_row_limit,
        byte_limit=settings.olap_sql_max_bytes,
        timeout_seconds=settings.olap_sql_timeout_seconds,
    )
    result["execution_time_ms"] = round((time.perf_counter() - started) * 1000, 3)

    def table(r: dict[str, Any]) -> list[dict[str, Any]]:
        names = [c["name"] for c in r["columns"]]
        return [dict(zip(names, row, strict=True)) for row in r["rows"]]

    return await asyncio.to_thread(encode, "query", result, format, table)


@router.get(
    "/stats",
    summary="The analytics projector: events, rate, lag, last batch",
    responses=answers(schemas.AnalyticsStats, "The projector's position and pace", exports=False),
)
async def stats(request: Request, _: Reader) -> Response:
    analytics = analytics_of(request)
    started = time.perf_counter()
    body = await analytics.projector.stats()
    body["execution_time_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return json_response(body)


@router.get(
    "/query/live",
    summary="Server-sent events: what each committed batch changed",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-sent events: hello, then batch or reload",
            # One schema per event (what a parser of the stream yields), not for the text.
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "required": ["event", "data"],
                        "properties": {
                            "event": {"type": "string", "enum": ["hello", "batch", "reload"]},
                            "data": {"type": "string", "description": "A JSON object"},
                            "retry": {"type": "integer", "minimum": 0},
                        },
                    }
                }
            },
        }
    },
)
async def live(request: Request, _: Reader) -> StreamingResponse:
    analytics = analytics_of(request)
    hello = {"position": analytics.projector.position}
    return StreamingResponse(
        analytics.hub.stream(hello),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
