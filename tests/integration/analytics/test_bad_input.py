"""Every analytics endpoint, fed bad parameters (docs/PRODUCT.md §9): a 4xx problem+json that says
what is wrong, and neither the business database nor the analytics store changes."""

from __future__ import annotations

import httpx
import pytest

from pulse.bootstrap import Container
from tests.integration.test_bad_input import LONG, NUL, Case, build_world, c, refusals

FORMATS = [c(f"format={v!r}", params={"format": v}) for v in ("pdf", "", "JSON ", NUL)]


def days(name: str = "days") -> list[Case]:
    return [c(f"{name}={v!r}", params={name: v}) for v in (0, -1, 3661, 10**12, 1.5, "week", "")]


LIMITS = [c(f"limit={v!r}", params={"limit": v}) for v in (0, -5, 1001, "all")]

ANALYTICS_CASES: dict[str, list[Case]] = {
    "GET /query/sales/hourly": [
        *[c(f"hours={v!r}", params={"hours": v}) for v in (0, -1, 24 * 93 + 1, "day", 2.5)],
        *FORMATS,
    ],
    "GET /query/sales/daily": [*days(), *FORMATS],
    "GET /query/sales/top-products": [*days(), *LIMITS, *FORMATS],
    "GET /query/sales/top-customers": [*days(), *LIMITS, *FORMATS],
    "GET /query/inventory/low-stock": FORMATS,
    "GET /query/inventory/stock": FORMATS,
    "GET /query/inventory/movements": [*days(), *FORMATS],
    "GET /query/ar/overdue": [*LIMITS, *FORMATS],
    "GET /query/ar/aging": FORMATS,
    "GET /query/cash/daily": [*days(), *FORMATS],
    "GET /query/kpis": [*days(), *FORMATS],
    "GET /query/recommendations": FORMATS,
    "GET /query": [
        c("no sql"),
        c("empty sql", params={"sql": ""}),
        c("blank sql", params={"sql": "   "}),
        c("NUL in sql", params={"sql": "SELECT 1" + NUL}),
        c("over-long sql", params={"sql": "SELECT " + "1+" * 15_000 + "1"}),
        c("not SQL", params={"sql": "hello world"}),
        c("unknown table", params={"sql": "SELECT * FROM nowhere"}),
        c("a file", params={"sql": "SELECT * FROM read_csv('/etc/passwd')"}),
        c("a write", params={"sql": "DELETE FROM orders"}),
        c("two statements", params={"sql": "SELECT 1; SELECT 2"}),
        c("long identifier", params={"sql": f"SELECT {LONG}"}),
        *FORMATS[:2],
    ],
    "GET /stats": [
        c("no token", status=401, headers={"authorization": "Bearer not-a-token"}),
        c("wrong scheme", status=401, headers={"authorization": "Basic YTpi"}),
        c("empty bearer", status=401, headers={"authorization": "Bearer "}),
    ],
}
# Server-sent events: its only input is the token (tests/integration/analytics/test_live.py).
STREAMS = {"GET /query/live"}


def store_counts(container: Container) -> object:
    assert container.analytics is not None

    def counts(cur: object) -> list[tuple]:
        tables = [
            r[0]
            for r in cur.execute(  # type: ignore[attr-defined]
                "SELECT table_name FROM duckdb_tables() ORDER BY 1"
            ).fetchall()
        ]
        return [
            (t, cur.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0])  # type: ignore[attr-defined]
            for t in tables
        ]

    return container.analytics.store.read(counts)


@pytest.mark.parametrize("group", list(ANALYTICS_CASES))
async def test_bad_analytics_input_is_refused(
    group: str, client: httpx.AsyncClient, container: Container
) -> None:
    world = await build_world(client, container)
    assert container.analytics is not None
    assert await container.analytics.projector.catch_up()
    before = await store_counts(container)
    failures = await refusals(client, container, group, ANALYTICS_CASES[group], world)
    assert not failures, f"{group}:\n" + "\n".join(failures)
    assert await store_counts(container) == before


def test_every_analytics_endpoint_has_cases(container: Container) -> None:
    paths = container.app.openapi()["paths"]  # type: ignore[attr-defined]
    endpoints = {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if path.split("/")[1] in ("query", "stats")
        for method in operations
    }
    assert endpoints == set(ANALYTICS_CASES) | STREAMS
    assert all(len(cases) >= 3 for cases in ANALYTICS_CASES.values())
