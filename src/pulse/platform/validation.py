"""Validators every module shares: schema fields, and instants taken in UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from pulse.platform.errors import InvalidInput


class RequestModel(BaseModel):
    """A body read from a request: a field it does not know is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


def no_nul(value: str | None) -> str | None:
    """PostgreSQL cannot store NUL characters, so no backend takes them."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NO_NUL_PATTERN = "^[^\\u0000]*$"
NOT_BLANK_NO_NUL_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


class _NoNul:
    """Refuses NUL characters, and says so in the schema (a pattern, unless the string
    already has a stricter one)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(no_nul, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        if target.get("type") == "string" and "pattern" not in target:
            inner: Any = schema.get("schema", {})
            # A stripped string that must not be empty needs something besides spaces.
            blank_refused = inner.get("strip_whitespace") and inner.get("min_length", 0) > 0
            target["pattern"] = NOT_BLANK_NO_NUL_PATTERN if blank_refused else NO_NUL_PATTERN
        return json_schema


NoNul = _NoNul()


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_text(kind: str) -> Any:
    def check(value: Any) -> Any:
        # Pydantic would also read a number ("0", "1e-9") as a Unix time: a query value is
        # ISO 8601 text, as the schema's format says.
        if isinstance(value, str) and not _ISO_DAY.match(value):
            raise ValueError(f"must be an ISO 8601 {kind} such as 2026-01-31")
        return value

    return BeforeValidator(check)


def json_integer(value: Any) -> Any:
    """A JSON integer, as JSON Schema has it: 3 and 3.0, but not true or "3"."""
    if isinstance(value, bool) or isinstance(value, str):
        raise ValueError("must be a JSON integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# After the Field() of the same Annotated[]: the bounds then stay in the schema.
JsonInt = BeforeValidator(json_integer)

# What Python calls printable, in the latin-1 a header is read as: what header-borne keys
# (Idempotency-Key) may hold.
PRINTABLE_HEADER_PATTERN = "^[ -~\u00a1-\u00ac\u00ae-\u00ff]*$"


# Query parameters that are instants or days, written as ISO 8601 text only.
IsoDateTime = Annotated[datetime, _iso_text("date-time")]
IsoDate = Annotated[date, _iso_text("date")]


def as_utc(value: datetime, field: str) -> datetime:
    """The same instant in UTC (a naive value is taken as UTC); refused if out of range."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(f"'{field}' is out of range", field=field) from exc


# email-validator refuses special-use domains (RFC 6761); the schema says so too.
EMAIL_PATTERN = r"^(?!.*\.(arpa|invalid|local|localhost|onion|test)$).*$"
Email = Annotated[
    EmailStr, StringConstraints(max_length=254), Field(json_schema_extra={"pattern": EMAIL_PATTERN})
]
