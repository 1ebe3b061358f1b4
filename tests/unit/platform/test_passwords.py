"""The password hash stays at or above OWASP's argon2id guidance (m=19 MiB, t=2, p=1)."""

from __future__ import annotations

import re

from pulse.platform.auth import passwords


def test_new_hashes_are_argon2id_at_owasp_strength() -> None:
    digest = passwords._hash("correct horse battery staple")
    found = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", digest)
    assert found is not None, digest
    memory_kib, passes, lanes = (int(g) for g in found.groups())
    assert memory_kib >= 19 * 1024 and passes >= 2 and lanes >= 1
    assert passwords._verify(digest, "correct horse battery staple")
    assert not passwords._verify(digest, "correct horse battery stapler")


def test_hashes_of_the_former_default_are_upgraded_at_login() -> None:
    from argon2 import PasswordHasher

    former = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4).hash("pw")
    assert passwords.needs_rehash(former)
    assert not passwords.needs_rehash(passwords._hash("pw"))
