"""The API reference at /docs: Swagger UI served by the product itself, from the locked
`fastapi-swagger` package, so the page works on a machine without internet."""

from __future__ import annotations

import functools
from importlib import metadata, resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from pulse.platform.errors import problem

DOCS_PATH = "/docs"
ASSETS_PATH = DOCS_PATH + "/assets"
# The bundle's version names its folder, so a browser may keep the files for good.
_VERSION = metadata.version("fastapi-swagger")
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
IMMUTABLE = "public, max-age=31536000, immutable"


@functools.cache
def _asset(name: str) -> bytes:
    return resources.files("fastapi_swagger.resources").joinpath(name).read_bytes()


def asset_url(name: str) -> str:
    return f"{ASSETS_PATH}/{_VERSION}/{name}"


def install_api_docs(app: FastAPI) -> None:
    """Create the app with `docs_url=None, redoc_url=None`, then call this."""

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API reference",
            swagger_js_url=asset_url("swagger-ui-bundle.js"),
            swagger_css_url=asset_url("swagger-ui.css"),
            swagger_favicon_url=asset_url("favicon-32x32.png"),
            # No validator badge: it would ask a server on the internet about the document.
            swagger_ui_parameters={
                "persistAuthorization": True,
                "filter": True,
                "validatorUrl": None,
            },
        )

    @app.get(ASSETS_PATH + "/{version}/{name}", include_in_schema=False)
    async def swagger_asset(version: str, name: str) -> Response:
        media_type = _ASSETS.get(name)
        if version != _VERSION or media_type is None:
            return problem(404, "not_found", f"no API docs asset {version}/{name}")
        return Response(
            _asset(name),
            media_type=media_type,
            headers={"Cache-Control": IMMUTABLE},
        )
