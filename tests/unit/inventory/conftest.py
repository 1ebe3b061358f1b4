from __future__ import annotations

import pytest

from pulse.inventory.repository import InventoryRepository
from tests.fakes import FakeUnitOfWork
from tests.unit.inventory.memory import InMemoryInventory


@pytest.fixture
def stock() -> InMemoryInventory:
    return InMemoryInventory()


@pytest.fixture
def uow(stock: InMemoryInventory) -> FakeUnitOfWork:
    return FakeUnitOfWork({InventoryRepository: stock}, actor="clerk-1")
