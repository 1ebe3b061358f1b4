"""A unit of work hands out one repository per class, built on its own session; the fake
one hands out only what a test gave it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from pulse.platform.db import Database
from pulse.platform.uow import Repository, UnitOfWork
from tests.fakes import FakeUnitOfWork


class Notes(Repository):
    __slots__ = ()


class Tags(Repository):
    __slots__ = ()


def _work(session: Any) -> UnitOfWork:
    uow = UnitOfWork(cast(Database, SimpleNamespace(dialect="sqlite")))
    uow.session = session
    return uow


def test_each_repository_is_built_once_per_unit_of_work_on_its_session() -> None:
    first, second = _work("session-1"), _work("session-2")
    notes = first.repo(Notes)
    assert isinstance(notes, Notes) and notes.session == "session-1"
    assert first.repo(Notes) is notes
    assert first.repo(Tags) is not notes and isinstance(first.repo(Tags), Tags)
    assert second.repo(Notes) is not notes and second.repo(Notes).session == "session-2"


async def test_the_fake_unit_of_work_has_only_the_repositories_it_was_given() -> None:
    in_memory = object()
    uow = FakeUnitOfWork({Notes: in_memory})
    assert uow.repo(Notes) is in_memory
    with pytest.raises(AssertionError, match="no Tags"):
        uow.repo(Tags)
    with pytest.raises(AssertionError, match="no database session"):
        uow.session  # noqa: B018
    async with uow:
        await uow.commit()
    assert (uow.commits, uow.rollbacks) == (1, 0)
    async with uow:
        pass
    assert (uow.commits, uow.rollbacks) == (1, 1)  # left without a commit: rolled back
