"""The projector reads other modules' events by their JSON keys: hold every key it reads
against the event classes, so renaming or dropping a field fails here, not on a dashboard.

For every event type the projector handles, real payloads are generated from the event class
(hypothesis builds the model, then it is dumped exactly as the outbox stores it) and wrapped
in a mapping that refuses any key the class's JSON schema does not define, at any depth. A
key read with `.get()` and a default is held to the same rule, so a renamed field cannot hide
behind an empty default.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import pulse.models  # noqa: F401 - imports every module, and with them their events
from pulse.analytics import transform
from pulse.analytics.transform import RawEvent, build
from pulse.bootstrap import EVENT_CLASSES
from pulse.platform.events import Event

CLASSES: dict[str, type[Event]] = {cls.type: cls for cls in EVENT_CLASSES}


class UnknownKey(AssertionError):
    pass


class Guarded(dict[str, Any]):
    """A payload that names the event and path of any key read that its schema lacks."""

    def __init__(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        super().__init__(data)
        self.allowed = allowed
        self.where = where

    def _check(self, key: object) -> None:
        if key not in self.allowed:
            raise UnknownKey(f"{self.where} has no field {key!r}; it has {sorted(self.allowed)}")

    def __getitem__(self, key: str) -> Any:
        self._check(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]  # dict.get's overloads
        self._check(key)
        return super().get(key, default)


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    for choice in schema.get("anyOf", ()):
        if choice.get("type") != "null":
            return _resolve(choice, defs)
    return schema


def _guard(value: Any, schema: dict[str, Any], defs: dict[str, Any], where: str) -> Any:
    schema = _resolve(schema, defs)
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        inner = {k: _guard(v, props.get(k, {}), defs, f"{where}.{k}") for k, v in value.items()}
        return Guarded(inner, set(props), where)
    if isinstance(value, list) and "items" in schema:
        return [_guard(v, schema["items"], defs, f"{where}[]") for v in value]
    return value


def guarded_payload(cls: type[Event], event: Event) -> Guarded:
    schema = cls.model_json_schema()
    payload = _guard(event.model_dump(mode="json"), schema, schema.get("$defs", {}), cls.type)
    assert isinstance(payload, Guarded)
    return payload


def strategy(annotation: Any) -> st.SearchStrategy[Any]:
    """Values for a field: finite money amounts, nested models field by field, 1-3 lines."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy(a) for a in args))
    if origin in (tuple, list) and args:
        items = st.lists(strategy(args[0]), min_size=1, max_size=3)
        return items.map(tuple) if origin is tuple else items
    if annotation is Decimal:
        return st.decimals(min_value=-(10**6), max_value=10**6, places=2)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = {name: strategy(f.annotation) for name, f in annotation.model_fields.items()}
        return st.builds(annotation, **fields)
    return st.from_type(annotation)


def projected_types() -> Iterator[str]:
    yield from sorted(transform._HANDLERS)


def test_every_projected_type_is_a_registered_event() -> None:
    unknown = sorted(set(transform._HANDLERS) - set(CLASSES))
    assert unknown == [], f"the projector handles event types no module defines: {unknown}"


@pytest.mark.parametrize("event_type", list(projected_types()))
def test_projector_reads_only_fields_the_event_defines(event_type: str) -> None:
    cls = CLASSES[event_type]

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy(cls))
    def check(event: Event) -> None:
        raw = RawEvent(1, event_type, datetime.now(UTC).isoformat(), guarded_payload(cls, event))
        batch = build([raw])
        assert batch.events == 1

    check()


def test_the_guard_catches_a_renamed_field() -> None:
    """The check above can fail: a read of a field the class lacks is reported."""
    cls = CLASSES["payment.received"]
    schema = cls.model_json_schema()
    payload = Guarded({}, set(schema["properties"]) - {"amount"}, cls.type)
    with pytest.raises(UnknownKey, match="'amount'"):
        payload["amount"]
    with pytest.raises(UnknownKey, match="'amount'"):
        payload.get("amount", "0")
