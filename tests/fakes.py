"""The one fake unit of work of the unit tests: a real `UnitOfWork` in every way a use case
can see (events are emitted and enveloped the same way), except that it has no database.
Each repository a use case asks for with `uow.repo(TheRepository)` is the in-memory one
the test handed in under that class; a repository the test did not give is an error, not
a silent database. Document numbers come from memory unless a test hands in its own
numbering. Commit and rollback are recorded, not performed.

The in-memory repositories live beside each module's unit tests (`tests/unit/<module>/
memory.py`); `assert_stands_in_for` holds each one to the real repository's methods."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, NoReturn, TypeVar, cast

from pulse.platform.db import Database
from pulse.platform.events import Envelope, Event
from pulse.platform.numbering import NumberSeriesRepository
from pulse.platform.uow import Repository, UnitOfWork

R = TypeVar("R", bound=Repository)


class _NoDatabase:
    """What a unit of work reads of its database without a connection: the dialect."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.is_sqlite = dialect == "sqlite"


class InMemoryNumbers:
    """The numbering series as the migrations create them, counted in memory."""

    def __init__(self) -> None:
        self.series: dict[str, list[Any]] = {
            "orders": ["SO-", 6, 1],
            "invoices": ["INV-", 6, 1],
            "credit_notes": ["CN-", 6, 1],
        }

    async def bump(self, series: str, count: int) -> tuple[str, int, int]:
        if series not in self.series:
            raise LookupError(f"numbering series {series!r} does not exist")
        row = self.series[series]
        row[2] += count
        return row[0], row[1], row[2]

    async def from_sequence(self, series: str, count: int) -> tuple[str, int, list[int]]:
        prefix, width, after = await self.bump(series, count)
        return prefix, width, list(range(after - count, after))

    async def take(
        self, series: str, count: int, *, gapless: bool, dialect: str
    ) -> tuple[str, int, list[int]]:
        return await self.from_sequence(series, count)


class FakeUnitOfWork(UnitOfWork):
    def __init__(
        self,
        repositories: Mapping[type[Repository], object] | None = None,
        *,
        actor: str | None = "test",
        dialect: str = "sqlite",
        readonly: bool = False,
    ) -> None:
        super().__init__(cast(Database, _NoDatabase(dialect)), actor=actor, readonly=readonly)
        # Numbers come from memory unless the test hands in numbering of its own.
        self.repositories: dict[type[Repository], object] = {
            NumberSeriesRepository: InMemoryNumbers(),
            **(repositories or {}),
        }
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


def assert_stands_in_for(fake: type, real: type[Repository], *, whole: bool = True) -> None:
    """The in-memory `fake` answers each method of `real` it has (`whole`: every public
    one) with the same parameters, so a use case cannot call it in a way the real one would
    refuse, and a change of the real one shows here."""
    methods = [
        name
        for name, _ in inspect.getmembers(real, inspect.isfunction)
        if not name.startswith("_") and (whole or hasattr(fake, name))
    ]
    assert methods, f"{fake.__name__} stands in for none of {real.__name__}'s methods"
    for name in methods:
        assert hasattr(fake, name), f"{fake.__name__} has no {name}"
        wanted = list(inspect.signature(getattr(real, name)).parameters.values())
        given = list(inspect.signature(getattr(fake, name)).parameters.values())
        assert given == wanted, f"{fake.__name__}.{name}{given} differs from {wanted}"
