"""Every JSON answer of the analytics API matches the model its route declares in OpenAPI,
field for field and type for type, on an empty store and on one with figures in every row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from pulse.analytics import api, schemas
from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.analytics.test_api import shop
from tests.integration.analytics.test_projection import settle
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_order

# Each route's declared model and the URLs it is called with.
ROUTES: dict[str, tuple[type[BaseModel], list[str]]] = {
    "/query/sales/hourly": (schemas.SalesHourlyReport, ["?hours=24"]),
    "/query/sales/daily": (schemas.SalesDailyReport, ["?days=30"]),
    "/query/sales/top-products": (schemas.TopProductsReport, ["", "?days=7&limit=5"]),
    "/query/sales/top-customers": (schemas.TopCustomersReport, ["", "?days=7"]),
    "/query/inventory/low-stock": (schemas.LowStockReport, [""]),
    "/query/inventory/stock": (schemas.StockReport, [""]),
    "/query/inventory/movements": (schemas.MovementsReport, ["?days=7"]),
    "/query/ar/overdue": (schemas.OverdueReport, [""]),
    "/query/ar/aging": (schemas.AgingReport, [""]),
    "/query/cash/daily": (schemas.CashDailyReport, ["?days=30"]),
    "/query/kpis": (schemas.KpiReport, ["?days=7", "?days=30"]),
    "/query/recommendations": (schemas.RecommendationsReport, [""]),
    "/stats": (schemas.AnalyticsStats, [""]),
}
# Each kind of value the read-only SQL can answer with, and one query over the store.
SQL = [
    "SELECT 1 AS n, 2.5::DOUBLE AS f, 'x' AS s, true AS b, NULL AS z, 12.30::DECIMAL(9,2) AS d, "
    "DATE '2024-01-02' AS day, TIMESTAMP '2024-01-02 03:04:05' AS ts, uuid() AS id, [1, 2] AS l, "
    "{'k': [{'v': NULL}]} AS st, 'ab'::BLOB AS blob, 1::HUGEINT << 100 AS big",
    "SELECT sku, units, revenue FROM sales_by_product ORDER BY sku",
]
# A clock past the first dunning levels (invoices fall due after 30 days), and one a week
# and a half on, when the last 7 days sold nothing against a busy week before.
OVERDUE = timedelta(days=45)
QUIET_WEEK = timedelta(days=10)


def conforms(model: type[BaseModel], response: httpx.Response) -> BaseModel:
    """The answer is the model's JSON: every field there, none unknown, of the declared type.

    Validated from the JSON text in strict mode, so a number never passes for a string (or
    the reverse) the way lax validation of the decoded body would let it.
    """
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return model.model_validate_json(response.content, strict=True)


async def check_all(client: httpx.AsyncClient, analyst: httpx.AsyncClient) -> dict[str, Any]:
    """Validate every route's answers; return them by URL."""
    answers: dict[str, Any] = {}
    for path, (model, queries) in ROUTES.items():
        for query in queries:
            url = path + query
            answers[url] = conforms(model, await client.get(url))
    for sql in SQL:
        answers[sql] = conforms(schemas.SqlResult, await analyst.get("/query", params={"sql": sql}))
    return answers


async def test_the_empty_store_answers_as_declared(
    container: Container, client_for: ClientFor
) -> None:
    answers = await check_all(client_for("viewer"), client_for("accountant"))
    stock = answers["/query/inventory/stock"]
    assert isinstance(stock, schemas.StockReport)
    assert stock.rows == [] and stock.totals.stock_value == "0"
    kpi = answers["/query/kpis?days=7"]
    assert isinstance(kpi, schemas.KpiReport)
    assert kpi.current.fill_rate is None and kpi.change_pct.revenue is None


async def test_answers_with_figures_match_their_models(
    container: Container, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = client_for("admin")
    data = await shop(container, admin)
    # Sales enough for the revenue-drop rule, and a product nobody buys (a slow mover).
    tripod = await make_product(admin, name="Tripod", price="200.00", qty_on_hand=20)
    await make_order(admin, data["bob"]["id"], [{"sku": tripod["sku"], "qty": 6}])
    await make_product(admin, name="Dust", price="3.00", qty_on_hand=50)
    await settle(container)

    viewer, analyst = client_for("viewer"), client_for("accountant")
    now = datetime.now(UTC)
    seen: dict[str, list[Any]] = {}
    for moved in (timedelta(0), QUIET_WEEK, OVERDUE):
        with monkeypatch.context() as m:
            m.setattr(api, "now_utc", lambda at=now + moved: at)
            for url, answer in (await check_all(viewer, analyst)).items():
                seen.setdefault(url, []).append(answer)

    # Every report had rows to check, at one clock or another.
    for url, answers in seen.items():
        if "rows" in type(answers[0]).model_fields:
            assert any(answer.rows for answer in answers), f"{url} never answered with rows"
    # Ten days on, the week's sales are all in the previous period: every flow is down 100 %.
    quiet = seen["/query/kpis?days=7"][1]
    assert isinstance(quiet, schemas.KpiReport) and quiet.current.units == 0
    assert quiet.previous.units > 0
    assert quiet.change_pct.units == quiet.change_pct.orders == quiet.change_pct.revenue == "-100.0"
    assert quiet.change_pct.receivables is not None
    kinds = {row.kind for answer in seen["/query/recommendations"] for row in answer.rows}
    assert kinds == {"reorder", "dunning", "revenue_drop", "slow_movers"}
    sql = seen[SQL[0]][0]
    assert isinstance(sql, schemas.SqlResult)
    assert [c.name for c in sql.columns][:4] == ["n", "f", "s", "b"]
    assert sql.rows[0][:6] == [1, 2.5, "x", True, None, "12.30"]
    assert sql.rows[0][-1] == str(2**100)  # beyond 64 bits: a string


def answer_of(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """The documented 200 content of a GET route, by media type."""
    return doc["paths"][path]["get"]["responses"]["200"]["content"]


async def test_every_analytics_route_declares_its_answer(container: Container) -> None:
    app = container.app  # type: ignore[attr-defined]
    doc = app.openapi()
    paths = {p for p in doc["paths"] if p == "/stats" or p == "/query" or p.startswith("/query/")}
    declared = {**{path: model for path, (model, _) in ROUTES.items()}, "/query": schemas.SqlResult}
    # A new route needs a model here (and so a check of its answers above).
    assert paths - {"/query/live"} == set(declared)
    components = doc["components"]["schemas"]
    for path, model in declared.items():
        schema = answer_of(doc, path)["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}, path
        component = components[model.__name__]
        assert component["properties"] and component["additionalProperties"] is False, path
        assert "execution_time_ms" in component["required"], path
    assert set(answer_of(doc, "/query/kpis")) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert set(answer_of(doc, "/stats")) == {"application/json"}
    assert set(answer_of(doc, "/query/live")) == {"text/event-stream"}
