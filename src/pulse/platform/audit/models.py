"""Audit tables: the hash-chained records, the signed checkpoints, and the row that
serialises appends to the chain on databases with concurrent writers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, UtcDateTime

BigIntKey = BigInteger().with_variant(Integer, "sqlite")


class AuditRecord(Base):
    """One audited fact, linked to the one before by `prev_hash` (see audit/chain.py).

    Append-only: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=False)
    # The moment as text in the canonical form the hash covers (microseconds, UTC, `Z`):
    # the same on every database, which a timestamp column would not guarantee.
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(36))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_actor_seq", "actor", "seq"),
        Index("ix_audit_log_action_seq", "action", "seq"),
        Index("ix_audit_log_subject", "subject_type", "subject_id"),
        Index("ix_audit_log_at", "at"),
    )


class AuditCheckpoint(Base):
    """An Ed25519 signature over (seq, hash) of a record: the chain reached this far."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditChainLock(Base):
    """One row, locked (`SELECT … FOR UPDATE`) by each transaction while it appends, on
    PostgreSQL and MariaDB; SQLite serialises writers already."""

    __tablename__ = "audit_chain"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
