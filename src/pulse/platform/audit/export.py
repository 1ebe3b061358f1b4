"""The chain as a file: JSON Lines or CSV, with the checkpoints and the public key, that
`chain.py` verifies offline (docs/AUDIT.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from pulse.platform.audit import repository as repo
from pulse.platform.audit.chain import CSV_COLUMNS, FORMAT, JSON_COLUMNS, canonical, csv_cell
from pulse.platform.audit.service import PAGE, moment
from pulse.platform.audit.signing import Signer
from pulse.platform.events import utcnow
from pulse.platform.uow import UnitOfWork

Format = Literal["jsonl", "csv"]
MEDIA_TYPES: dict[str, str] = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def _jsonl(item: dict[str, Any]) -> str:
    return canonical(item).decode() + "\n"


def _csv(item: dict[str, Any]) -> str:
    out = io.StringIO()
    row = {name: item.get(name) for name in CSV_COLUMNS}
    for name in JSON_COLUMNS:
        value = row[name]
        if value is not None:
            row[name] = canonical(value).decode()
    cells = ["" if v is None else csv_cell(v) if isinstance(v, str) else v for v in row.values()]
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


async def lines(
    open_uow: Callable[[], UnitOfWork],
    signer: Signer,
    fmt: Format,
) -> AsyncIterator[str]:
    """The export, line by line, read in pages inside one read-only unit of work (one
    snapshot of the log)."""
    write = _jsonl if fmt == "jsonl" else _csv
    if fmt == "csv":
        yield ",".join(CSV_COLUMNS) + "\n"
    async with open_uow() as uow:
        header = {
            "kind": "header",
            "format": FORMAT,
            "exported_at": moment(utcnow()),
            "key_id": signer.key_id,
            "public_key_pem": signer.public_pem,
        }
        yield _jsonl(header) if fmt == "jsonl" else _csv({"kind": "header", "after": header})
        for checkpoint in await repo.checkpoints(uow.session):
            yield write({"kind": "checkpoint", **checkpoint})
        after = 0
        while rows := await repo.page(uow.session, after_seq=after, limit=PAGE):
            for row in rows:
                yield write({"kind": "record", **row})
            after = int(rows[-1]["seq"])


__all__ = ["MEDIA_TYPES", "Format", "lines"]
