"""What the OpenAPI document says about refusals: every problem+json answer a route can
give, declared from what the route is (it takes a token, a path id, a body, …), in one place
rather than on each decorator. A route may still declare more (or describe one better) with
its own `responses=`; what it declares wins.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from pulse.platform.errors import PROBLEM_JSON
from pulse.platform.validation import EMAIL_PATTERN

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: `code` is stable for programs, `detail` is for people; some
    problems carry more members (`field`, `errors`, `available`, `retry_after`, …)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://pulse-erp.dev/problems/not_found"])
    title: str
    status: int = Field(ge=400, le=599)
    code: str
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[FieldProblem] | None = None


DESCRIPTIONS = {
    400: "The body cannot be read as JSON (not UTF-8, nested too deeply, a number too long)",
    401: "No valid access token (`Authorization: Bearer …`)",
    403: "The token's role lacks the permission this needs",
    404: "Something the path (or body) names does not exist",
    409: "The change conflicts with the current state or existing data",
    413: "The request body is larger than the server reads",
    414: "The request target (path and query) is longer than the server reads",
    422: "A parameter or the body is invalid (each field's problem in `errors`)",
    429: "Too many attempts: wait as long as `Retry-After` says",
}


PROBLEM_REF = "#/components/schemas/Problem"
FASTAPI_422_REF = "#/components/schemas/HTTPValidationError"


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    # Problems are sent as application/problem+json, never as application/json.
    return {
        "description": description or DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a decorator: the given problem answers."""
    return {status: problem_response(status) for status in statuses}


def statuses_of(method: str, operation: dict[str, Any]) -> set[int]:
    """The problem answers an operation can give, from what it is."""
    params = operation.get("parameters", [])
    body = "requestBody" in operation
    statuses = {414}
    if params or body:
        statuses.add(422)
    if body or method.upper() in WRITES:
        # A body: unreadable, too large, duplicate keys, invalid.
        statuses |= {400, 413, 422}
    if operation.get("security"):
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)
    if method.upper() in WRITES:
        statuses.add(409)
    return statuses


def _describe_emails(node: Any) -> None:
    """Every email field is checked by email-validator, which refuses special-use domains:
    say so wherever the document has one."""
    if isinstance(node, dict):
        if node.get("format") == "email" and "pattern" not in node:
            node["pattern"] = EMAIL_PATTERN
        for value in node.values():
            _describe_emails(value)
    elif isinstance(node, list):
        for value in node:
            _describe_emails(value)


def _is_fastapi_default_422(answer: dict[str, Any]) -> bool:
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == FASTAPI_422_REF)


def declare_problems(app: FastAPI, extra: dict[str, tuple[int, ...]] | None = None) -> None:
    """Declare on every API operation the problems it can answer; EXTRA adds statuses to
    operations named "METHOD /path", for refusals no rule can see."""
    build = app.openapi
    extra = extra or {}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = build()
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                wanted = statuses_of(method, operation)
                wanted |= set(extra.get(f"{method.upper()} {path}", ()))
                answers = operation.setdefault("responses", {})
                for status in sorted(wanted):
                    current = answers.get(str(status))
                    if current is None or _is_fastapi_default_422(current):
                        answers[str(status)] = problem_response(status)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        _describe_emails(schemas)
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        if "HTTPValidationError" not in str(document.get("paths")):
            # No operation answers FastAPI's own 422 shape any more.
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        document["components"]["schemas"] = dict(sorted(schemas.items()))
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
