"""Every event class of the product is registered in the composition root, once, so every
consumer and every bus backend can decode whatever is on the stream; and an event class
that cannot say which aggregate it is about does not load."""

from __future__ import annotations

import uuid

import pytest

import pulse.models  # noqa: F401 - imports every module, and with them their events
from pulse.bootstrap import EVENT_CLASSES
from pulse.platform.events import Event, EventRegistry


def _concrete(cls: type[Event]) -> set[type[Event]]:
    found: set[type[Event]] = set()
    for sub in cls.__subclasses__():
        if "type" in vars(sub):  # bases shared by several events set no wire type
            found.add(sub)
        found |= _concrete(sub)
    return found


def test_every_event_class_is_registered() -> None:
    registry = EventRegistry()
    registry.register(*EVENT_CLASSES)
    defined = {cls for cls in _concrete(Event) if cls.__module__.startswith("pulse.")}
    assert defined, "no event classes found"
    missing = sorted(f"{c.__module__}.{c.__name__}" for c in defined - set(EVENT_CLASSES))
    assert missing == []
    assert all(cls.type in registry for cls in defined)


def test_event_types_are_unique() -> None:
    types = [cls.type for cls in EVENT_CLASSES]
    assert len(types) == len(set(types))


def test_an_event_names_the_field_that_holds_its_aggregate_id() -> None:
    class ThingMoved(Event):
        type = "thing.moved"
        aggregate_type = "thing"
        aggregate_field = "thing_id"
        thing_id: uuid.UUID

    thing_id = uuid.uuid4()
    assert ThingMoved(thing_id=thing_id).aggregate_id() == str(thing_id)


def test_an_event_without_its_aggregate_id_does_not_load() -> None:
    with pytest.raises(TypeError, match="no aggregate_field"):

        class ThingLost(Event):
            type = "thing.lost"
            aggregate_type = "thing"
            thing_id: uuid.UUID

    with pytest.raises(TypeError, match="'id' is not one of its fields"):

        class ThingFound(Event):
            type = "thing.found"
            aggregate_type = "thing"
            aggregate_field = "id"
            thing_id: uuid.UUID
