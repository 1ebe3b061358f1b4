"""The tamper-evident audit log (docs/AUDIT.md): `record` puts a fact on it in the caller's
transaction; every event written to the outbox is put on it by the unit of work."""

from pulse.platform.audit.service import record

__all__ = ["record"]
