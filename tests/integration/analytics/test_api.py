"""The query API answers from the analytics store, in JSON, CSV and Excel."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from openpyxl import load_workbook

from pulse.bootstrap import Container
from pulse.platform.settings import Settings
from tests.conftest import ClientFor, TokenFor
from tests.integration.analytics.test_projection import settle
from tests.integration.billing.factories import invoice_of_order, pay
from tests.integration.inventory.factories import make_product
from tests.integration.orders.factories import make_customer, make_order
from tests.servers import app_lifespan

REPORTS = [
    "/query/sales/hourly?hours=24",
    "/query/sales/daily?days=30",
    "/query/sales/top-products",
    "/query/sales/top-products?days=7&limit=5",
    "/query/sales/top-customers",
    "/query/sales/top-customers?days=7",
    "/query/inventory/low-stock",
    "/query/inventory/stock",
    "/query/inventory/movements?days=7",
    "/query/ar/overdue",
    "/query/ar/aging",
    "/query/cash/daily?days=30",
    "/query/kpis?days=30",
]


async def shop(container: Container, client: httpx.AsyncClient) -> dict[str, Any]:
    """Two products, two customers, three orders (one paid in part), all settled."""
    lens = await make_product(client, name="Lens", price="100.00", qty_on_hand=10, reorder_point=8)
    cap = await make_product(client, name="Cap", price="5.00", qty_on_hand=100, reorder_point=5)
    ada = await make_customer(client, name="Ada")
    bob = await make_customer(client, name="Bob")
    first = await make_order(client, ada["id"], [{"sku": lens["sku"], "qty": 3}])
    await make_order(client, bob["id"], [{"sku": cap["sku"], "qty": 4}])
    await make_order(
        client, ada["id"], [{"sku": lens["sku"], "qty": 1}, {"sku": cap["sku"], "qty": 2}]
    )
    await settle(container)
    invoice = await invoice_of_order(client, first["id"], ada["id"])
    assert (await pay(client, invoice["id"], "60.00")).status_code == 201
    await settle(container)
    return {"lens": lens, "cap": cap, "ada": ada, "bob": bob}


async def test_reports_answer_with_figures_and_timing(
    container: Container, client_for: ClientFor
) -> None:
    client = client_for("viewer")
    data = await shop(container, client_for("admin"))
    for url in REPORTS:
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text)
        body = response.json()
        assert isinstance(body["execution_time_ms"], float), url
        assert body["execution_time_ms"] >= 0

    hourly = (await client.get("/query/sales/hourly?hours=24")).json()
    assert len(hourly["rows"]) == 24
    # 3 lenses + 1 lens at 100.00, 4 + 2 caps at 5.00: net 430.00, tax 20 % on top.
    assert hourly["totals"]["orders"] == 3
    assert Decimal(hourly["totals"]["revenue"]) == Decimal("430.00")
    assert Decimal(hourly["totals"]["gross"]) == Decimal("516.00")
    assert hourly["rows"][-1]["orders"] == 3  # all placed this hour

    daily = (await client.get("/query/sales/daily?days=30")).json()
    assert len(daily["rows"]) == 30 and daily["totals"]["units"] == 10

    top = (await client.get("/query/sales/top-products")).json()["rows"]
    assert [(r["sku"], r["name"], r["units"], r["revenue"]) for r in top] == [
        (data["lens"]["sku"], "Lens", 4, "400.00"),
        (data["cap"]["sku"], "Cap", 6, "30.00"),
    ]
    customers = (await client.get("/query/sales/top-customers")).json()["rows"]
    assert [(r["name"], r["orders"], r["revenue"]) for r in customers] == [
        ("Ada", 2, "410.00"),
        ("Bob", 1, "20.00"),
    ]
    low = (await client.get("/query/inventory/low-stock")).json()["rows"]
    assert [(r["sku"], r["available"], r["shortfall"]) for r in low] == [
        (data["lens"]["sku"], 6, 2)
    ]
    aging = (await client.get("/query/ar/aging")).json()
    assert [r["bucket"] for r in aging["rows"]] == ["current", "1-30", "31-60", "61-90", "90+"]
    # Everything is due in the future: all of it is current; 516.00 invoiced − 60.00 paid.
    assert Decimal(aging["rows"][0]["amount"]) == Decimal("456.00")
    assert Decimal(aging["totals"]["amount"]) == Decimal("456.00")
    cash = (await client.get("/query/cash/daily?days=7")).json()
    assert Decimal(cash["totals"]["received"]) == Decimal("60.00")
    assert Decimal(cash["rows"][-1]["receivables"]) == Decimal("456.00")

    kpi = (await client.get("/query/kpis?days=7")).json()
    current = kpi["current"]
    assert current["orders"] == 3 and Decimal(current["revenue"]) == Decimal("430.00")
    assert Decimal(current["average_order_value"]) == Decimal("143.33")
    assert Decimal(current["fill_rate"]) == Decimal("1")
    assert kpi["previous"]["orders"] == 0 and kpi["change_pct"]["orders"] is None


async def test_reports_export_csv_and_xlsx(container: Container, client_for: ClientFor) -> None:
    client = client_for("viewer")
    data = await shop(container, client_for("admin"))
    response = await client.get("/query/sales/top-products?format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "top-products.csv" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["sku"], r["revenue"]) for r in table] == [
        (data["lens"]["sku"], "400.00"),
        (data["cap"]["sku"], "30.00"),
    ]
    response = await client.get("/query/kpis?format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header == ["kpi", "current", "previous", "change_pct"]
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert values["orders"] == 3 and values["revenue"] == pytest.approx(430.0)


async def test_a_csv_export_never_carries_a_live_formula(
    container: Container, client_for: ClientFor
) -> None:
    admin = client_for("admin")
    product = await make_product(admin, name="Lens", price="100.00", qty_on_hand=10)
    name = '=HYPERLINK("http://evil.test","Acme")'
    customer = await make_customer(admin, name=name)
    await make_order(admin, customer["id"], [{"sku": product["sku"], "qty": 1}])
    await settle(container)
    response = await client_for("viewer").get("/query/sales/top-customers?format=csv")
    assert response.status_code == 200, response.text
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["name"] for row in table] == ["'" + name]
    assert table[0]["revenue"] == "100.00"


@pytest.mark.parametrize(
    "url",
    [
        "/query/sales/hourly?hours=0",
        "/query/sales/hourly?hours=abc",
        "/query/sales/daily?days=100000",
        "/query/sales/top-products?limit=0",
        "/query/sales/top-customers?days=-1",
        "/query/kpis?format=pdf",
        "/query/ar/overdue?limit=5000",
    ],
)
async def test_bad_parameters_are_refused(
    container: Container, client_for: ClientFor, url: str
) -> None:
    response = await client_for("viewer").get(url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_reports_need_a_token(container: Container, client_for: ClientFor) -> None:
    response = await client_for(None).get("/query/kpis")
    assert response.status_code == 401
    response = await client_for(None).get("/stats")
    assert response.status_code == 401


async def test_stats_report_the_projector(container: Container, client_for: ClientFor) -> None:
    await shop(container, client_for("admin"))
    body = (await client_for("viewer").get("/stats")).json()
    assert body["lag"] == 0
    assert body["events_processed"] == body["position"] > 10
    assert body["running"] is True and body["source"] == "outbox"
    assert body["last_event_at"] is not None and body["last_batch_ms"] > 0
    # What DuckDB holds for the store: the shop's tables at least, within its limit.
    assert 0 < body["memory_bytes"] <= 64 * 1024 * 1024
    metrics = (await client_for(None).get("/metrics")).text
    (gauge,) = [v for v in metrics.splitlines() if v.startswith("pulse_analytics_memory_bytes ")]
    assert float(gauge.split()[1]) == body["memory_bytes"]


async def test_analysts_query_the_store_read_only(
    container: Container, client_for: ClientFor
) -> None:
    await shop(container, client_for("admin"))
    analyst = client_for("accountant")
    sql = "SELECT sku, units FROM sales_by_product ORDER BY units DESC"
    response = await analyst.get("/query", params={"sql": sql})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["name"] for c in body["columns"]] == ["sku", "units"]
    assert [row[1] for row in body["rows"]] == [6, 4]
    assert body["truncated"] is False and body["execution_time_ms"] >= 0
    exported = await analyst.get("/query", params={"sql": sql, "format": "csv"})
    assert exported.text.splitlines()[0] == "sku,units"
    # Viewers read reports but do not run SQL.
    assert (await client_for("viewer").get("/query", params={"sql": "SELECT 1"})).status_code == 403


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY orders TO '/tmp/orders.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "INSTALL httpfs",
        "SET memory_limit = '10GB'",
        "CREATE TABLE stolen AS SELECT * FROM orders",
        "DROP TABLE orders",
        "DELETE FROM orders",
        "UPDATE invoices SET balance = 0",
        "INSERT INTO orders (number) VALUES ('X')",
        "SELECT 1; DROP TABLE orders",
        "",
        # A SELECT at the top, a write underneath: refused by the read-only transaction.
        "WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone",
        "WITH paid AS (UPDATE invoices SET balance = 0 RETURNING *) SELECT count(*) FROM paid",
        "WITH x AS (INSERT INTO orders (number) VALUES ('X') RETURNING *) SELECT * FROM x",
    ],
)
async def test_the_sql_endpoint_refuses_anything_but_reading(
    container: Container, client_for: ClientFor, sql: str
) -> None:
    await shop(container, client_for("admin"))
    analyst = client_for("admin")
    before = (await analyst.get("/query", params={"sql": "SELECT count(*) FROM orders"})).json()
    response = await analyst.get("/query", params={"sql": sql})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    after = (await analyst.get("/query", params={"sql": "SELECT count(*) FROM orders"})).json()
    assert after["rows"] == before["rows"] == [[3]]
    invoices = await analyst.get("/query", params={"sql": "SELECT sum(balance) FROM invoices"})
    assert invoices.json()["rows"] == [["456.00"]]


async def test_an_sql_answer_is_capped_in_bytes(
    container: Container, client_for: ClientFor
) -> None:
    # A few hundred rows of large strings once made an answer of a gigabyte: the answer stops
    # at the byte cap, flagged as truncated, in every format.
    assert container.analytics is not None
    cap = 256 * 1024
    container.analytics.settings = container.analytics.settings.model_copy(
        update={"olap_sql_max_bytes": cap}
    )
    analyst = client_for("accountant")
    sql = "SELECT range AS n, repeat('x', 50000) AS big FROM range(300)"
    response = await analyst.get("/query", params={"sql": sql})
    assert response.status_code == 200, response.text
    assert len(response.content) <= cap + 1024
    body = response.json()
    assert body["truncated"] is True
    assert 0 < body["row_count"] == len(body["rows"]) < 300
    assert [row[0] for row in body["rows"]] == list(range(body["row_count"]))
    exported = await analyst.get("/query", params={"sql": sql, "format": "csv"})
    assert exported.status_code == 200 and len(exported.content) <= cap + 1024
    small = await analyst.get("/query", params={"sql": "SELECT range FROM range(3)"})
    assert small.json()["truncated"] is False and small.json()["row_count"] == 3


async def test_recommendations_follow_the_rules_file(
    container: Container, client_for: ClientFor
) -> None:
    data = await shop(container, client_for("admin"))
    body = (await client_for("viewer").get("/query/recommendations")).json()
    reorders = [r for r in body["rows"] if r["kind"] == "reorder"]
    # The lens is below its reorder point (6 available, point 8): a reorder is suggested.
    assert [r["subject"] for r in reorders] == [data["lens"]["sku"]]
    assert reorders[0]["data"]["suggested_qty"] > 0
    assert body["execution_time_ms"] >= 0

    # The shipped rules' words, for a person: the product's name, no raw field or level.
    message = reorders[0]["message"]
    assert data["lens"]["name"] in message and "_" not in message and "{" not in message


async def test_a_process_without_the_projector_says_where_analytics_is(
    settings: Settings, token_for: TokenFor
) -> None:

    from pulse.app import create_app
    from pulse.bootstrap import build_container

    container = build_container(settings.model_copy(update={"consumers": "inventory,orders"}))
    assert container.analytics is None
    app = create_app(container)
    async with (
        app_lifespan(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://pulse.test",
            headers={"Authorization": f"Bearer {token_for('viewer')}"},
        ) as client,
    ):
        for url in ("/stats", "/query/kpis", "/query/live"):
            response = await client.get(url)
            assert response.status_code == 503, url
            assert response.json()["code"] == "analytics_unavailable"


async def test_a_broken_rules_file_is_reported_not_a_crash(
    container: Container, client_for: ClientFor, tmp_path: Path
) -> None:
    assert container.analytics is not None
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {id: x, kind: no_such_kind, message: hi}\n")
    container.analytics.settings = container.analytics.settings.model_copy(
        update={"analytics_rules_path": str(rules)}
    )
    response = await client_for("viewer").get("/query/recommendations")
    assert response.status_code == 503
    assert "no_such_kind" in response.json()["detail"]
    # Fixed by the admin: the next request reads the new file.
    rules.write_text("rules:\n  - {id: quiet, kind: slow_movers, message: '{sku}'}\n")
    response = await client_for("viewer").get("/query/recommendations")
    assert response.status_code == 200, response.text


async def test_a_shared_report_answer_is_never_older_than_the_store(
    container: Container, client_for: ClientFor
) -> None:
    """Dashboards asking the same report share one answer until the projector commits a
    batch; the first ask after that sees the batch (every report with shared answers),
    warmed by the projector before it counts the batch as applied."""
    admin, viewer = client_for("admin"), client_for("viewer")
    data = await shop(container, admin)
    assert container.analytics is not None
    shared = container.analytics.answers
    shared_urls = [u for u in REPORTS if "/hourly" not in u]
    before = {url: (await viewer.get(url)).content for url in shared_urls}
    computed = shared.computed
    for url in shared_urls:  # asked again: the same answers, none computed again
        assert (await viewer.get(url)).content == before[url], url
    assert shared.computed == computed

    await make_order(admin, data["bob"]["id"], [{"sku": data["lens"]["sku"], "qty": 2}])
    await settle(container)
    after = {url: (await viewer.get(url)).content for url in shared_urls}
    # Asked lately, so computed again by the projector after its batch, before the position
    # moved: not one of these requests computed its answer.
    assert shared.computed == computed
    assert shared.warmed >= len(shared_urls)
    kpi = orjson.loads(after["/query/kpis?days=30"])
    assert kpi["current"]["orders"] == 4
    changed = {url for url in shared_urls if after[url] != before[url]}
    # Every report the order moves shows it (ar-overdue and low-stock do not move).
    assert changed >= set(shared_urls) - {"/query/ar/overdue", "/query/inventory/low-stock"}
