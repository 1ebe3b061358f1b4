"""Every answer carries the browser security headers: the web app a policy without inline
script, the API a policy that loads nothing, the docs their own policy allowing their one
inline script by hash; HSTS over TLS (or when told); CORS only for the allowed origins."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx

from pulse.app import create_app
from pulse.platform.security import inline_script_hashes
from pulse.platform.settings import Settings


def _client(tmp_path: Path, base_url: str = "http://test", **settings: object) -> httpx.AsyncClient:
    dist = tmp_path / "dist"
    dist.mkdir(exist_ok=True)
    (dist / "index.html").write_text("<!doctype html><title>Pulse ERP</title>")
    app = create_app(settings=Settings(data_dir=tmp_path / "data", web_dir=str(dist), **settings))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


async def test_the_web_app_runs_only_its_own_scripts(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        page = await client.get("/app/")
    assert page.status_code == 200
    policy = _directives(page.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in page.headers


async def test_api_answers_load_nothing_even_refusals(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        for answer in (
            await client.get("/health"),
            await client.get("/customers"),  # 401
            await client.get("/no-such-thing"),  # 404
            await client.get("/health", params={"q": "x" * 62_000}),  # 414 from a middleware
        ):
            policy = _directives(answer.headers["content-security-policy"])
            assert policy["default-src"] == ["'none'"], answer.status_code
            assert answer.headers["x-content-type-options"] == "nosniff"


async def test_the_docs_allow_their_inline_script_by_hash(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        page = await client.get("/docs")
    assert page.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = _directives(page.headers["content-security-policy"])
    assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["connect-src"] == ["'self'"]
    # Nothing comes from another host: the page works offline.
    assert all("//" not in source for values in policy.values() for source in values)


async def test_the_docs_serve_swagger_ui_from_the_product(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        page = await client.get("/docs")
        assert "https://" not in page.text
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(source.startswith("/docs/assets/") for source in sources)
        for source in sources:
            asset = await client.get(source)
            assert asset.status_code == 200, source
            assert "immutable" in asset.headers["cache-control"]
        bundle = next(s for s in sources if s.endswith(".js"))
        assert "SwaggerUIBundle" in (await client.get(bundle)).text
        missing = await client.get("/docs/assets/0.0.0/swagger-ui-bundle.js")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert (await client.get(bundle.replace(".js", ".txt"))).status_code == 404


def test_hashes_cover_each_inline_script_only() -> None:
    html = b'<script src="/x.js"></script><script>a()</script><p>x</p><script>b()</script>'
    assert len(inline_script_hashes(html)) == 2


async def test_hsts_over_tls_or_when_told(tmp_path: Path) -> None:
    async with _client(tmp_path, base_url="https://test") as client:
        over_tls = await client.get("/health")
    assert over_tls.headers["strict-transport-security"].startswith("max-age=31536000")
    async with _client(tmp_path, hsts=True) as client:
        told = await client.get("/health")
    assert "strict-transport-security" in told.headers


async def test_cors_is_off_by_default_and_exact_when_on(tmp_path: Path) -> None:
    preflight = {
        "Origin": "https://erp.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with _client(tmp_path) as client:
        answer = await client.options("/orders", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    async with _client(tmp_path, cors_allow_origins="https://erp.example.com") as client:
        allowed = await client.options("/orders", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://erp.example.com"
        assert "access-control-allow-credentials" not in allowed.headers
        other = await client.options(
            "/orders", headers={**preflight, "Origin": "https://evil.test"}
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        simple = await client.get("/health", headers={"Origin": "https://erp.example.com"})
        assert simple.headers["access-control-allow-origin"] == "https://erp.example.com"
        assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
