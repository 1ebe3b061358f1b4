"""The event bus: one interface, two backends (in-process over the outbox, NATS JetStream)."""

from pulse.platform.bus.base import EventBus

__all__ = ["EventBus"]
