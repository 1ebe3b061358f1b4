"""Serves the built web app under /app/: hashed assets cached for good, every other path
answered with index.html so the app's own router takes it (no Node at run time)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from pulse.platform.errors import problem

PREFIX = "/app"
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


def _file(dist: Path, path: str) -> Path | None:
    """The built file PATH names, if it is one (never a path outside the build)."""
    if not path:
        return None
    try:
        candidate = (dist / path).resolve()
        if not candidate.is_relative_to(dist) or not candidate.is_file():
            return None
    except (OSError, ValueError):
        # Bytes the file system refuses (a NUL, a name longer than it allows) name no file.
        return None
    return candidate


def _send(request: Request, file: Path, cache: str) -> Response:
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    media_type = MEDIA_TYPES.get(file.suffix)
    gz = file.with_name(file.name + ".gz")
    if "gzip" in request.headers.get("accept-encoding", "") and gz.is_file():
        headers["Content-Encoding"] = "gzip"
        return FileResponse(gz, media_type=media_type, headers=headers)
    return FileResponse(file, media_type=media_type, headers=headers)


def install_web_ui(app: FastAPI, dist: Path) -> None:
    dist = dist.resolve()

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.get(PREFIX, include_in_schema=False)
    @app.get(PREFIX + "/{path:path}", include_in_schema=False)
    async def web_app(request: Request, path: str = "") -> Response:
        index = dist / "index.html"
        if not index.is_file():
            return problem(
                404,
                "web_ui_not_built",
                f"the web app is not built in {dist}: run `make web` (or `make up`)",
                instance=request.url.path,
            )
        file = _file(dist, path)
        if file is not None:
            cache = IMMUTABLE if path.startswith("assets/") else "no-cache"
            return _send(request, file, cache)
        if path.startswith("assets/"):
            return problem(404, "not_found", f"no asset {path}", instance=request.url.path)
        return _send(request, index, "no-cache")
