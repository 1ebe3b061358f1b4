"""Cheap password hashing for the users these tests create and log in as."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from pulse.platform.auth import passwords


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production parameters cost ~130 ms a hash; what is under test does not depend on them.
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
