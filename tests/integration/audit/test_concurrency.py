"""Many transactions appending at once keep one unbroken chain on every database: the
chain lock (PostgreSQL, MariaDB) or the single writer (SQLite) serialises the appends."""

from __future__ import annotations

import asyncio

from pulse.bootstrap import Container
from pulse.platform.audit import record, service
from pulse.platform.audit.checkpoints import Checkpointer
from pulse.platform.db import Database
from pulse.platform.uow import UnitOfWorkFactory


async def test_concurrent_appends_form_one_chain(bare_container: Container) -> None:
    c = bare_container

    async def change(n: int) -> None:
        async with c.uow(actor=f"clerk-{n}", address="192.0.2.7") as uow:
            for part in range(3):
                record(
                    uow,
                    action="test.change",
                    subject_type="thing",
                    subject_id=f"{n}-{part}",
                    before={"n": n},
                    after={"n": n + 1, "amount": "12.50"},
                )
            await asyncio.sleep(0)  # let the others interleave before the commit
            await uow.commit()

    await asyncio.gather(*(change(n) for n in range(20)))
    signed = await Checkpointer(c.uow, c.settings).run_once()
    assert signed == 60
    async with c.uow(readonly=True) as uow:
        status = await service.verify(
            uow.session, public_key_pem=Checkpointer(c.uow, c.settings).signer.public_pem
        )
    assert status.ok, status.problem
    assert status.records == 60 and status.last_checkpoint_seq == 60


async def test_a_rolled_back_append_leaves_no_trace(bare_container: Container) -> None:
    c = bare_container
    async with c.uow(actor="ada") as uow:
        record(uow, action="test.change", subject_type="thing", subject_id="kept")
        await uow.commit()
    async with c.uow(actor="ada") as uow:
        record(uow, action="test.change", subject_type="thing", subject_id="dropped")
        # leaves without committing: rolled back
    async with c.uow(actor="ada") as uow:
        record(uow, action="test.change", subject_type="thing", subject_id="next")
        await uow.commit()
    async with c.uow(readonly=True) as uow:
        status = await service.verify(uow.session, public_key_pem=None)
        rows, total = await service.repo.search(
            uow.session, service.repo.Filters(), limit=10, before_seq=None
        )
    assert status.ok and status.records == 2
    assert [r["subject_id"] for r in rows] == ["next", "kept"] and total == 2


async def test_two_processes_appending_in_turn_keep_one_chain(bare_container: Container) -> None:
    """A second process (here a second engine on the same database) appends between this
    one's appends: on SQLite this process's remembered tail is then stale, and the append
    must chain after the real one."""
    c = bare_container
    other_db = Database(c.db.url, pool_size=0)
    other = UnitOfWorkFactory(other_db)
    try:
        for n in range(4):
            for factory in (c.uow, other):
                async with factory(actor=f"p{n}") as uow:
                    record(uow, action="test.change", subject_type="thing", subject_id=str(n))
                    await uow.commit()
        async with c.uow(readonly=True) as uow:
            status = await service.verify(uow.session, public_key_pem=None)
    finally:
        await other_db.dispose()
    assert status.ok, status.problem
    assert status.records == 8
