"""Domain errors and the one place that turns every error into `application/problem+json`."""

from __future__ import annotations

import math
import re
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)


class PulseError(Exception):
    """Base of every domain error: an HTTP status, a stable code and a human message.

    A subclass gives its own in the class line: `class Gone(PulseError, status=410,
    code="gone"): ...`; one raise may still give others."""

    status: int = 400
    code: str = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None) -> None:
        super().__init_subclass__()
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.field = field
        self.extra = extra or {}


class NotFound(PulseError, status=404, code="not_found"): ...


class Conflict(PulseError, status=409, code="conflict"): ...


class InvalidInput(PulseError, status=422, code="invalid_input"): ...


class Unauthorized(PulseError, status=401, code="unauthorized"): ...


class Forbidden(PulseError, status=403, code="forbidden"): ...


class TooManyRequests(PulseError, status=429, code="too_many_requests"): ...


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://pulse-erp.dev/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    # Extra members never overwrite the standard ones.
    body.update({k: v for k, v in extra.items() if v is not None and k not in body})
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    retry_after = extra.get("retry_after")
    if isinstance(retry_after, int | float) and retry_after >= 0:
        # RFC 9110: a client told to wait is told how long in the header, not only the body.
        headers.setdefault("Retry-After", str(max(1, math.ceil(retry_after))))
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or (str(loc[0]) if loc else "")


def _refused_value(exc: DBAPIError) -> bool:
    """The database refused a value it was given (SQLSTATE class 22, "data exception")."""
    if isinstance(exc, DataError):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("22")


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    """Every method the API document gives the request's path. A path it names literally
    (/inventory/low-stock) is that resource, not an instance of a template beside it
    (/inventory/{sku}); "" for paths outside the document."""
    literal: set[str] = set()
    templated: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            target = templated if "{" in template else literal
            target.update(method.upper() for method in operations)
    allowed = literal or templated
    return ", ".join(method for method in _METHOD_ORDER if method in allowed)


_STANDARD_MEMBERS = frozenset({"type", "title", "status", "code", "detail", "instance"})


# The answers to errors that say the same whatever the request: (status, code, detail).
_CONFLICTS = (409, "conflict", "the change conflicts with existing data")
_VALUE_REFUSED = (
    422,
    "invalid_value",
    "a value in the request is out of range or cannot be stored",
)
_DATABASE_UNAVAILABLE = (503, "database_unavailable", "the database could not complete the request")
_BUSY = (503, "busy", "the server is too busy to answer now; try again shortly")
_INTERNAL = (500, "internal_error", "an unexpected error occurred")


def _fixed(request: Request, answer: tuple[int, str, str]) -> JSONResponse:
    status, code, detail = answer
    return problem(status, code, detail, instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PulseError)
    async def _pulse_error(request: Request, exc: PulseError) -> JSONResponse:
        return problem(
            exc.status,
            exc.code,
            exc.detail,
            instance=request.url.path,
            **{
                "field": exc.field,
                **{k: v for k, v in exc.extra.items() if k not in _STANDARD_MEMBERS},
            },
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = err.get("loc", ())
            if err.get("type") == "json_invalid":
                errors.append({"field": "body", "message": "the body is not valid JSON"})
                continue
            errors.append({"field": _field_of(loc), "message": err.get("msg", "invalid")})
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return problem(
            422,
            "validation_error",
            detail,
            instance=request.url.path,
            field=first["field"] or None,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            # The router names only the methods of the first route on the path it tried.
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return problem(exc.status_code, code, detail, instance=request.url.path, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity_error", error=str(exc.orig))
        return _fixed(request, _CONFLICTS)

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if _refused_value(exc):
            log.info("value_refused_by_database", error=str(exc.orig))
            return _fixed(request, _VALUE_REFUSED)
        log.error("database_error", error=str(exc.orig))
        return _fixed(request, _DATABASE_UNAVAILABLE)

    @app.exception_handler(SQLAlchemyTimeoutError)
    @app.exception_handler(TimeoutError)
    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        log.warning("request_timed_out", error=repr(exc))
        return _fixed(request, _BUSY)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return _fixed(request, _INTERNAL)
