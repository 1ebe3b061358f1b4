"""Every event class of the product is registered in the composition root, once, so every
consumer and every bus backend can decode whatever is on the stream."""

from __future__ import annotations

import pulse.models  # noqa: F401 - imports every module, and with them their events
from pulse.bootstrap import EVENT_CLASSES
from pulse.platform.events import Event, EventRegistry


def _concrete(cls: type[Event]) -> set[type[Event]]:
    found: set[type[Event]] = set()
    for sub in cls.__subclasses__():
        if not sub.__name__.startswith("_"):
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
