"""pulse.platform.api without a database: the paging parameters' defaults and bounds, the
page's name in the API document, and when the write unit of work commits."""

from __future__ import annotations

import uuid
from types import SimpleNamespace, TracebackType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pulse.platform.api import LongPaging, Page, Paging, UowDep
from pulse.platform.auth.tokens import Principal
from pulse.platform.deps import current_principal
from pulse.platform.errors import Conflict, install_error_handlers


class Item(Page[int]):
    pass


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.committed = False
        self.closed = False
        self.after: list[Any] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: object, tb: TracebackType | None
    ) -> None:
        self.closed = True

    async def commit(self) -> None:
        self.committed = True


def make_app() -> tuple[FastAPI, list[FakeUnitOfWork]]:
    opened: list[FakeUnitOfWork] = []

    def factory(**_: Any) -> FakeUnitOfWork:
        opened.append(FakeUnitOfWork())
        return opened[-1]

    app = FastAPI()
    install_error_handlers(app)
    app.state.container = SimpleNamespace(uow=factory, settings=SimpleNamespace(trusted_proxies=""))
    app.dependency_overrides[current_principal] = lambda: Principal(
        user_id=uuid.uuid4(), username="ada", role="admin"
    )

    @app.get("/short", response_model=Item)
    async def short(paging: Paging) -> Item:
        return Item(items=[], total=0, limit=paging.limit, offset=paging.offset)

    @app.get("/long")
    async def long(paging: LongPaging) -> dict[str, int]:
        return {"limit": paging.limit, "offset": paging.offset}

    @app.post("/ok")
    async def ok(uow: UowDep) -> dict[str, bool]:
        # Not committed yet while the endpoint runs.
        return {"committed_inside": uow.committed}  # type: ignore[attr-defined]

    @app.post("/refused")
    async def refused(uow: UowDep) -> None:
        raise Conflict("no")

    return app, opened


@pytest.fixture
async def kit() -> Any:
    app, opened = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, opened


async def test_paging_defaults_per_list(kit: Any) -> None:
    client, _ = kit
    assert (await client.get("/short")).json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }
    assert (await client.get("/long")).json() == {"limit": 100, "offset": 0}
    assert (await client.get("/long", params={"limit": 7, "offset": 3})).json() == {
        "limit": 7,
        "offset": 3,
    }


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"offset": 10_000_001}, {"limit": "x"}],
)
async def test_paging_out_of_bounds_is_a_problem(kit: Any, params: dict[str, Any]) -> None:
    client, _ = kit
    response = await client.get("/short", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == next(iter(params))


async def test_paging_bounds_are_inclusive(kit: Any) -> None:
    client, _ = kit
    response = await client.get("/short", params={"limit": 500, "offset": 10_000_000})
    assert (response.json()["limit"], response.json()["offset"]) == (500, 10_000_000)


def test_a_page_keeps_its_subclass_name_in_the_api_document() -> None:
    app, _ = make_app()
    schemas = app.openapi()["components"]["schemas"]
    assert "Item" in schemas
    assert not any(name.startswith("Page") for name in schemas)
    assert schemas["Item"]["properties"]["items"]["items"] == {"type": "integer"}


async def test_the_write_unit_of_work_commits_after_a_normal_return(kit: Any) -> None:
    client, opened = kit
    response = await client.post("/ok")
    assert response.json() == {"committed_inside": False}
    assert len(opened) == 1
    assert opened[0].committed and opened[0].closed


async def test_the_write_unit_of_work_does_not_commit_when_the_endpoint_raises(
    kit: Any,
) -> None:
    client, opened = kit
    response = await client.post("/refused")
    assert response.status_code == 409
    assert len(opened) == 1
    assert not opened[0].committed and opened[0].closed
