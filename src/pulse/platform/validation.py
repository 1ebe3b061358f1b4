"""Validators every module shares: schema fields, and instants taken in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AfterValidator

from pulse.platform.errors import InvalidInput


def no_nul(value: str | None) -> str | None:
    """PostgreSQL cannot store NUL characters, so no backend takes them."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(no_nul)


def as_utc(value: datetime, field: str) -> datetime:
    """The same instant in UTC (a naive value is taken as UTC); refused if out of range."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(f"'{field}' is out of range", field=field) from exc
