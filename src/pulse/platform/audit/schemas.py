"""API shapes of the audit log."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AuditRecordRead(BaseModel):
    seq: int
    at: str = Field(description="UTC, ISO 8601 with microseconds, as hashed")
    actor: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    address: str | None = Field(description="the client address the change came from")
    event_id: str | None = Field(description="the domain event this record is, if any")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditRecordRead]
    total: int = Field(description="records matching the filters")
    next_before_seq: int | None = Field(
        description="pass as before_seq for the next (older) page; null on the last"
    )


class ChainStatus(BaseModel):
    ok: bool
    records: int = Field(description="records checked and found sound")
    last_seq: int
    last_hash: str | None
    checkpoints: int = Field(description="signed checkpoints with a valid signature")
    last_checkpoint_seq: int | None
    first_bad_seq: int | None = Field(description="the first broken or missing record")
    problem: str | None


class SigningKeyRead(BaseModel):
    key_id: str
    public_key_pem: str
