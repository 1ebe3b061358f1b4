"""The audit chain's rules: canonical encoding, record hashes, checkpoint messages, and the
walk that finds the first broken record.

This file imports nothing from Pulse and only the standard library (plus `cryptography` to
check checkpoint signatures), so it is also the offline verifier of an export:

    python chain.py audit.jsonl --public-key audit-signing-key.pub

(see docs/AUDIT.md). The product and the offline check share every line of it.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FORMAT = "pulse-audit/1"
GENESIS = "0" * 64
# The fields a record's hash covers, besides its own hash.
RECORD_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "address",
    "event_id",
    "before",
    "after",
    "prev_hash",
)
CHECKPOINT_FIELDS = ("seq", "hash", "at", "key_id")


def canonical(document: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (not \\u-escaped): one byte string per document.

    Values are JSON values only (strings, integers, booleans, null, arrays, objects):
    amounts are decimal strings, moments ISO 8601 strings in UTC, ids strings."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical encoding of a record's fields, its `prev_hash`
    included, so each record vouches for the whole chain before it."""
    return hashlib.sha256(canonical({name: record[name] for name in RECORD_FIELDS})).hexdigest()


def checkpoint_message(checkpoint: dict[str, Any]) -> bytes:
    """What a checkpoint's Ed25519 signature signs."""
    return canonical({"format": FORMAT, **{name: checkpoint[name] for name in CHECKPOINT_FIELDS}})


def key_id(public_key_raw: bytes) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key_raw).hexdigest()[:16]


@dataclass
class Finding:
    """The first thing wrong, with the sequence number of the first bad record."""

    seq: int
    problem: str


@dataclass
class Walk:
    """Walks records in `seq` order, one at a time, and remembers the first fault."""

    records: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    first_bad: Finding | None = None
    # Checkpoint seq -> the hash it vouches for, still to be met by the walk.
    expected: dict[int, list[str]] = field(default_factory=dict)
    checkpoints: int = 0
    last_checkpoint_seq: int | None = None

    def expect(self, checkpoints: Iterable[dict[str, Any]], verify_signature: Any) -> None:
        """Checkpoints to hold the chain to. `verify_signature(checkpoint)` -> a problem or
        None. A checkpoint with a bad signature is itself a finding (at its seq)."""
        for checkpoint in sorted(checkpoints, key=lambda c: int(c["seq"])):
            problem = verify_signature(checkpoint)
            seq = int(checkpoint["seq"])
            if problem is not None:
                self._fail(seq, f"checkpoint at record {seq}: {problem}")
                continue
            self.checkpoints += 1
            self.last_checkpoint_seq = seq
            self.expected.setdefault(seq, []).append(str(checkpoint["hash"]))

    def _fail(self, seq: int, problem: str) -> None:
        if self.first_bad is None or seq < self.first_bad.seq:
            self.first_bad = Finding(seq, problem)

    def add(self, record: dict[str, Any]) -> bool:
        """Check the next record; False once the chain is broken (later ones prove nothing)."""
        if self.first_bad is not None and self.first_bad.seq <= self.last_seq + 1:
            return False
        seq = int(record["seq"])
        want = self.last_seq + 1
        if seq != want:
            if seq > want:
                self._fail(want, f"record {want} is missing (the next one is {seq})")
            else:
                self._fail(seq, f"record {seq} appears out of order after record {self.last_seq}")
            return False
        if record["prev_hash"] != self.last_hash:
            self._fail(
                seq, f"record {seq} does not follow record {self.last_seq}: prev_hash differs"
            )
            return False
        computed = record_hash(record)
        if computed != record["hash"]:
            self._fail(seq, f"record {seq} was altered: its content does not match its hash")
            return False
        for vouched in self.expected.pop(seq, []):
            if vouched != computed:
                self._fail(seq, f"record {seq} differs from what a signed checkpoint vouches for")
                return False
        self.records += 1
        self.last_seq = seq
        self.last_hash = computed
        return True

    def finish(self) -> Finding | None:
        """After the last record: a checkpoint past the end means the tail was cut."""
        if self.expected and self.first_bad is None:
            beyond = max(self.expected)
            self._fail(
                self.last_seq + 1,
                f"the chain ends at record {self.last_seq} but a signed checkpoint vouches "
                f"for record {beyond}: records were removed from the end",
            )
        return self.first_bad


# -- export files -----------------------------------------------------------------------------
CSV_COLUMNS = (
    "kind",
    *RECORD_FIELDS,
    "hash",
    "key_id",
    "signature",
)
JSON_COLUMNS = ("before", "after")


def read_export(path: str) -> tuple[dict[str, Any], list[dict[str, Any]], Iterator[dict[str, Any]]]:
    """(header, checkpoints, records) of a JSON Lines or CSV export. Records stream."""
    if path.endswith(".csv"):
        return _read_csv(path)
    return _read_jsonl(path)


def _read_jsonl(path: str) -> tuple[dict[str, Any], list[dict[str, Any]], Iterator[dict[str, Any]]]:
    header: dict[str, Any] = {}
    checkpoints: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            if item.get("kind") == "header":
                header = item
            elif item.get("kind") == "checkpoint":
                checkpoints.append(item)

    def records() -> Iterator[dict[str, Any]]:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                if item.get("kind") == "record":
                    yield item

    return header, checkpoints, records()


# A cell a spreadsheet would run as a formula is written with a leading apostrophe (as is
# one that starts with an apostrophe, and an empty text, which an empty cell - null - must
# not be taken for), and read back without it: the escape is reversible, so a CSV export
# verifies exactly like the JSON Lines one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "'")


def csv_cell(value: str) -> str:
    return "'" + value if value == "" or value.startswith(_FORMULA_STARTS) else value


def csv_value(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def _csv_item(row: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        key: (csv_value(value) if value != "" else None) for key, value in row.items()
    }
    if item.get("seq") is not None:
        item["seq"] = int(item["seq"])
    for name in JSON_COLUMNS:
        if item.get(name) is not None:
            item[name] = json.loads(item[name])
    return item


def _read_csv(path: str) -> tuple[dict[str, Any], list[dict[str, Any]], Iterator[dict[str, Any]]]:
    header: dict[str, Any] = {}
    checkpoints: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] == "header":
                header = json.loads(csv_value(row["after"]))
            elif row["kind"] == "checkpoint":
                checkpoints.append(_csv_item(row))

    def records() -> Iterator[dict[str, Any]]:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["kind"] == "record":
                    yield _csv_item(row)

    return header, checkpoints, records()


def signature_checker(public_key_pem: bytes | None) -> Any:
    """A `verify_signature(checkpoint)` for `Walk.expect` with this Ed25519 public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_public_key,
    )

    if public_key_pem is None:
        return lambda checkpoint: "no public key to check its signature with"
    public_key = load_pem_public_key(public_key_pem)
    if not isinstance(public_key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    expected_id = key_id(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def check(checkpoint: dict[str, Any]) -> str | None:
        if checkpoint.get("key_id") != expected_id:
            return f"signed by key {checkpoint.get('key_id')}, not by {expected_id}"
        try:
            public_key.verify(
                base64.b64decode(checkpoint["signature"]), checkpoint_message(checkpoint)
            )
        except (InvalidSignature, ValueError):
            return "its signature is not valid"
        return None

    return check


def verify_export(path: str, public_key_pem: bytes | None) -> Walk:
    header, checkpoints, records = read_export(path)
    if header.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} export")
    walk = Walk()
    walk.expect(checkpoints, signature_checker(public_key_pem))
    for record in records:
        if not walk.add(record):
            break
    walk.finish()
    return walk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify an exported Pulse audit log offline.")
    parser.add_argument("export", help="the .jsonl or .csv file from `pulse audit export`")
    parser.add_argument(
        "--public-key",
        required=True,
        help="the audit signing key's public half (PEM), obtained from a trusted source",
    )
    args = parser.parse_args(argv)
    with open(args.public_key, "rb") as fh:
        pem = fh.read()
    walk = verify_export(args.export, pem)
    if walk.first_bad is not None:
        print(f"BROKEN at record {walk.first_bad.seq}: {walk.first_bad.problem}")
        return 1
    print(
        f"OK: {walk.records} records, last {walk.last_seq} ({walk.last_hash}), "
        f"{walk.checkpoints} signed checkpoints, the last at record {walk.last_checkpoint_seq}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
