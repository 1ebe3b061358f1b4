"""What every bus backend offers the rest of the product."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass
class ConsumerStatus:
    name: str
    position: int
    lag: int
    running: bool


class EventBus(ABC):
    """Moves committed outbox events to consumers.

    `wake()` is called by the unit of work right after a commit that wrote events, so the
    relay does not wait for its next poll.
    """

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    def wake(self, types: frozenset[str] | None = None) -> None:
        """New events were committed (of these types, where known)."""

    @abstractmethod
    async def ready(self) -> bool: ...

    @abstractmethod
    async def status(self) -> list[ConsumerStatus]: ...

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every committed event has reached every consumer (tests, shutdown)."""
        raise NotImplementedError
