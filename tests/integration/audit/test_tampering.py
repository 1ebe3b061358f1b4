"""Tampering with the audit log directly in the database is detected, and verify names the
first bad record (SQLite and PostgreSQL); an ordinary workload verifies clean."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pulse.bootstrap import Container
from pulse.platform.audit.chain import record_hash
from tests.conftest import ClientFor
from tests.integration.audit.conftest import Tamper, rows, status_of, workload


@pytest.fixture
async def logged(container: Container, client_for: ClientFor) -> int:
    """A workload, signed at its end; the number of records."""
    await workload(container, client_for)
    assert container.audit is not None
    last = await container.audit.run_once()
    assert last is not None
    return last


async def test_a_workload_verifies_clean_and_audits_every_event(
    container: Container, logged: int
) -> None:
    status = await status_of(container)
    assert status.ok, status.problem
    assert status.records == status.last_seq == logged
    assert status.last_checkpoint_seq == logged and status.checkpoints == 1
    async with container.db.engine.connect() as conn:
        events = (await conn.execute(text("SELECT id FROM outbox"))).scalars().all()
    audited = {r["event_id"] for r in await rows(container) if r["event_id"]}
    # Every event written to the outbox is on the audit log, and the flow ran through.
    assert {str(e).replace("-", "") for e in events} == {a.replace("-", "") for a in audited}
    actions = [r["action"] for r in await rows(container)]
    for expected in ("users.create", "users.update", "auth.sign_in_failed", "user.logged_in"):
        assert expected in actions
    assert actions.count("order.created") == 3 and actions.count("invoice.issued") == 3


async def test_the_tables_refuse_update_and_delete(container: Container, logged: int) -> None:
    statements = ["UPDATE audit_log SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_log"]
    statements.append("DELETE FROM audit_checkpoints")
    if container.db.dialect == "postgresql":
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            async with container.db.engine.begin() as conn:
                await conn.execute(text(statement))
    assert len(await rows(container)) == logged
    assert (await status_of(container)).ok


async def test_an_edited_record_is_named(container: Container, logged: int, tamper: Tamper) -> None:
    await tamper(["UPDATE audit_log SET actor = 'mallory' WHERE seq = 5"])
    status = await status_of(container)
    assert not status.ok
    assert status.first_bad_seq == 5 and "altered" in (status.problem or "")


async def test_an_edited_document_is_named(
    container: Container, logged: int, tamper: Tamper
) -> None:
    target = next(r for r in await rows(container) if r["action"] == "order.created")
    after = target["after"] if isinstance(target["after"], dict) else json.loads(target["after"])
    after["total"] = "0.01"
    quoted = json.dumps(after).replace("'", "''")
    await tamper([f"UPDATE audit_log SET after = '{quoted}' WHERE seq = {target['seq']}"])
    status = await status_of(container)
    assert status.first_bad_seq == target["seq"] and "altered" in (status.problem or "")


async def test_a_deleted_record_is_named(container: Container, logged: int, tamper: Tamper) -> None:
    await tamper(["DELETE FROM audit_log WHERE seq = 7"])
    status = await status_of(container)
    assert status.first_bad_seq == 7 and "missing" in (status.problem or "")
    assert status.records == 6


async def test_an_inserted_record_is_named(
    container: Container, logged: int, tamper: Tamper
) -> None:
    # Make room at 4 by moving every later record up by one, then put a forgery there.
    await tamper(
        [
            "UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 4",
            "UPDATE audit_log SET seq = seq - 999999 WHERE seq >= 1000000",
            "INSERT INTO audit_log (seq, at, actor, action, prev_hash, hash) VALUES "
            f"(4, '2026-12-01T00:00:00.000000Z', 'mallory', 'users.create', "
            f"'{'0' * 64}', '{'1' * 64}')",
        ]
    )
    status = await status_of(container)
    assert status.first_bad_seq == 4 and "does not follow" in (status.problem or "")


async def test_reordered_records_are_named(
    container: Container, logged: int, tamper: Tamper
) -> None:
    await tamper(
        [
            "UPDATE audit_log SET seq = -1 WHERE seq = 6",
            "UPDATE audit_log SET seq = 6 WHERE seq = 8",
            "UPDATE audit_log SET seq = 8 WHERE seq = -1",
        ]
    )
    status = await status_of(container)
    assert status.first_bad_seq == 6 and "does not follow" in (status.problem or "")


async def test_a_truncated_tail_is_detected_by_the_signed_checkpoint(
    container: Container, logged: int, tamper: Tamper
) -> None:
    await tamper([f"DELETE FROM audit_log WHERE seq > {logged - 3}"])
    status = await status_of(container)
    assert status.first_bad_seq == logged - 2
    assert "removed from the end" in (status.problem or "")


async def test_a_rewritten_chain_is_caught_by_the_checkpoint(
    container: Container, logged: int, tamper: Tamper
) -> None:
    """Someone who edits a record and recomputes every hash after it keeps the chain
    consistent, but cannot sign: the checkpoint no longer matches."""
    records = await rows(container)
    statements = []
    prev = records[1]["hash"]
    for record in records[2:]:
        fields = dict(record)
        for name in ("before", "after"):
            if isinstance(fields[name], str):
                fields[name] = json.loads(fields[name])
        if fields["seq"] == 3:
            fields["actor"] = "mallory"
        fields["prev_hash"] = prev
        prev = record_hash(fields)
        statements.append(
            f"UPDATE audit_log SET actor = '{fields['actor']}', "
            f"prev_hash = '{fields['prev_hash']}', hash = '{prev}' WHERE seq = {fields['seq']}"
        )
    await tamper(statements)
    status = await status_of(container)
    assert status.first_bad_seq == logged
    assert "checkpoint" in (status.problem or "")


async def test_a_forged_checkpoint_is_named(
    container: Container, logged: int, tamper: Tamper
) -> None:
    await tamper(["UPDATE audit_checkpoints SET signature = 'AAAA' || signature"])
    status = await status_of(container)
    assert status.first_bad_seq == logged and "signature" in (status.problem or "")
