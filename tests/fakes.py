"""The one fake unit of work of the unit tests: a real `UnitOfWork` in every way a use case
can see (events are emitted and enveloped the same way), except that it has no database.
Each repository a use case asks for with `uow.repo(TheRepository)` is the in-memory one
the test handed in under that class; a repository the test did not give is an error, not
a silent database. Commit and rollback are recorded, not performed."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, NoReturn, TypeVar, cast

from pulse.platform.db import Database
from pulse.platform.events import Envelope, Event
from pulse.platform.uow import Repository, UnitOfWork

R = TypeVar("R", bound=Repository)


class FakeUnitOfWork(UnitOfWork):
    def __init__(
        self,
        repositories: Mapping[type[Repository], object] | None = None,
        *,
        actor: str | None = "test",
        dialect: str = "sqlite",
        readonly: bool = False,
    ) -> None:
        db = cast(Database, SimpleNamespace(dialect=dialect, is_sqlite=dialect == "sqlite"))
        super().__init__(db, actor=actor, readonly=readonly)
        self.repositories = dict(repositories or {})
        # The events emitted, in order (`pending_events` has them as envelopes).
        self.events: list[Event] = []
        self.commits = 0
        self.rollbacks = 0

    @property
    def session(self) -> NoReturn:
        raise AssertionError(
            "a unit test's unit of work has no database session: reach the data through "
            "uow.repo(SomeRepository)"
        )

    def repo(self, kind: type[R]) -> R:
        try:
            return cast(R, self.repositories[kind])
        except KeyError:
            raise AssertionError(
                f"the test gave its unit of work no {kind.__name__}: "
                f"FakeUnitOfWork({{{kind.__name__}: an in-memory one}})"
            ) from None

    def emit(self, event: Event, *, cause: Envelope | None = None) -> Envelope:
        envelope = super().emit(event, cause=cause)
        self.events.append(event)
        return envelope

    def of_type(self, kind: type[Event]) -> list[Any]:
        """The emitted events of one class, in order."""
        return [e for e in self.events if isinstance(e, kind)]

    async def __aenter__(self) -> FakeUnitOfWork:
        self._committed = False
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._committed:
            await self.rollback()

    async def commit(self) -> None:
        self.commits += 1
        self._committed = True
        for callback in self._after_commit:
            callback()
        self._after_commit.clear()

    async def rollback(self) -> None:
        """Recorded; the events go, as in a real rollback. In-memory repositories keep what
        was written: a test of a refusal asserts the refusal wrote nothing."""
        self.rollbacks += 1
        self._pending.clear()
        self.events.clear()
        self.audit_entries.clear()
        self._after_commit.clear()
