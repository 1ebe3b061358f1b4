"""The built web app is served under /app/: files as built (gzip when asked), every other
path answered with index.html, nothing outside the build, and a clear answer when unbuilt."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from pulse.app import create_app, openapi_document
from pulse.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = b"console.log('pulse');" * 50


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>Pulse ERP</title>")
    (folder / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (folder / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (tmp_path / "secret.txt").write_text("not for the browser")
    return folder


def client_of(tmp_path: Path, web_dir: Path) -> httpx.AsyncClient:
    settings = Settings(data_dir=tmp_path / "data", web_dir=str(web_dir))
    app = create_app(settings=settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_index_for_app_routes_and_assets_as_built(tmp_path: Path, dist: Path) -> None:
    async with client_of(tmp_path, dist) as client:
        root = await client.get("/")
        assert root.status_code == 307 and root.headers["location"] == "/app/"
        for path in ("/app", "/app/", "/app/orders/5f0c", "/app/billing/invoices/1?x=1"):
            page = await client.get(path)
            assert page.status_code == 200, path
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["cache-control"] == "no-cache"
            assert "Pulse ERP" in page.text

        plain = await client.get("/app/assets/index-abc123.js", headers={"Accept-Encoding": ""})
        assert plain.status_code == 200 and plain.content == SCRIPT
        assert "content-encoding" not in plain.headers
        assert plain.headers["content-type"].startswith("text/javascript")
        assert "immutable" in plain.headers["cache-control"]

        zipped = await client.get(
            "/app/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"}
        )
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.content == SCRIPT  # httpx inflates it: the same bytes arrive
        assert int(zipped.headers["content-length"]) < len(SCRIPT)


async def test_nothing_outside_the_build_and_no_invented_assets(tmp_path: Path, dist: Path) -> None:
    escapes = ("/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/assets/../../secret.txt")
    async with client_of(tmp_path, dist) as client:
        for path in escapes:
            answer = await client.get(path)
            assert "not for the browser" not in answer.text, path
        missing = await client.get("/app/assets/nope.js")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    async with client_of(tmp_path, tmp_path / "no-such-dist") as client:
        answer = await client.get("/app/")
    assert answer.status_code == 404
    assert answer.json()["code"] == "web_ui_not_built"
    assert "make web" in answer.json()["detail"]


def test_the_web_client_is_generated_from_the_current_api() -> None:
    # web/src/api/schema.d.ts is generated from web/openapi.json (`make web-client`); the
    # TypeScript build then checks every call against it.
    committed = (ROOT / "web" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_document(), "the API changed: run `make web-client`"


async def test_names_the_file_system_refuses_are_no_file(tmp_path: Path, dist: Path) -> None:
    # A NUL byte makes Path.resolve raise ValueError, an over-long name makes is_file raise
    # OSError (ENAMETOOLONG): neither may become a 500.
    long_name = "x" * 5000
    async with client_of(tmp_path, dist) as client:
        for path in ("/app/a%00b", f"/app/{long_name}", f"/app/{long_name}/{long_name}"):
            page = await client.get(path)
            assert page.status_code == 200, path
            assert "Pulse ERP" in page.text
        for path in ("/app/assets/a%00b.js", f"/app/assets/{long_name}.js"):
            missing = await client.get(path)
            assert missing.status_code == 404, path
            assert missing.headers["content-type"] == "application/problem+json"
