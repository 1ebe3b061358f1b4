"""Both object store backends honour one contract. The S3 one is exercised over real HTTP
against moto's S3 server on loopback, the way it talks to MinIO or AWS."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pulse.platform.storage import (
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
)
from pulse.platform.storage_s3 import S3ObjectStore

# The start of a real PDF, then bytes that must survive untouched (NUL, high bytes, CR/LF).
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256))
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
_buckets = itertools.count()


def _bucket_name() -> str:
    return f"pulse-test-{os.getpid()}-{next(_buckets)}"


def _s3_store(endpoint: str, bucket: str, prefix: str = "") -> S3ObjectStore:
    return S3ObjectStore(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region="us-east-1",
    )


def _raw_client(endpoint: str) -> Any:  # boto3 builds client classes at runtime
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "local":
        yield LocalObjectStore(tmp_path / "objects")
        return
    endpoint: str = request.getfixturevalue("s3_endpoint")
    s3 = _s3_store(endpoint, _bucket_name())
    await s3.ensure_bucket()
    yield s3


async def test_put_then_get_returns_the_same_bytes(store: ObjectStore) -> None:
    await store.put("invoices/INV-1.pdf", PDF, content_type="application/pdf")
    assert await store.get("invoices/INV-1.pdf") == PDF


async def test_exists_tells_stored_from_missing(store: ObjectStore) -> None:
    assert not await store.exists("a.pdf")
    await store.put("a.pdf", PDF, content_type="application/pdf")
    assert await store.exists("a.pdf")
    assert not await store.exists("b.pdf")


async def test_overwrite_replaces_the_whole_object(store: ObjectStore) -> None:
    await store.put("doc.pdf", PDF, content_type="application/pdf")
    await store.put("doc.pdf", b"%PDF-1.4 short", content_type="application/pdf")
    assert await store.get("doc.pdf") == b"%PDF-1.4 short"


async def test_get_missing_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound) as info:
        await store.get("nope/missing.pdf")
    assert info.value.status == 404
    assert info.value.code == "object_not_found"


async def test_delete_removes_the_object(store: ObjectStore) -> None:
    await store.put("gone.pdf", PDF, content_type="application/pdf")
    await store.delete("gone.pdf")
    assert not await store.exists("gone.pdf")
    with pytest.raises(ObjectNotFound):
        await store.get("gone.pdf")


async def test_delete_missing_is_not_an_error(store: ObjectStore) -> None:
    await store.delete("never/was.pdf")
    assert not await store.exists("never/was.pdf")


async def test_nested_keys_are_independent(store: ObjectStore) -> None:
    await store.put("invoices/2024/01/INV-1.pdf", b"%PDF-1.4 one", content_type="application/pdf")
    await store.put("invoices/2024/02/INV-1.pdf", b"%PDF-1.4 two", content_type="application/pdf")
    assert await store.get("invoices/2024/01/INV-1.pdf") == b"%PDF-1.4 one"
    assert await store.get("invoices/2024/02/INV-1.pdf") == b"%PDF-1.4 two"
    assert not await store.exists("invoices/2024/03/INV-1.pdf")
    # A prefix of stored keys is not itself an object.
    assert not await store.exists("invoices/2024")
    with pytest.raises(ObjectNotFound):
        await store.get("invoices/2024")


async def test_invalid_keys_are_refused_before_any_io(store: ObjectStore) -> None:
    with pytest.raises(ValueError):
        await store.put("../escape.pdf", PDF, content_type="application/pdf")
    with pytest.raises(ValueError):
        await store.get("/etc/passwd")


async def test_check_passes_on_a_usable_store(store: ObjectStore) -> None:
    await store.check()


async def test_concurrent_puts_all_land(store: ObjectStore) -> None:
    payloads = {f"batch/doc-{i:02d}.pdf": PDF + str(i).encode() for i in range(20)}
    await asyncio.gather(
        *(store.put(k, v, content_type="application/pdf") for k, v in payloads.items())
    )
    got = await asyncio.gather(*(store.get(k) for k in payloads))
    assert dict(zip(payloads, got, strict=True)) == payloads


# -- local only ------------------------------------------------------------------------------
async def test_local_put_leaves_no_temp_files(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    store = LocalObjectStore(root)
    await store.put("invoices/INV-1.pdf", PDF, content_type="application/pdf")
    await store.put("invoices/INV-1.pdf", PDF + b"v2", content_type="application/pdf")
    await store.put("INV-2.pdf", PDF, content_type="application/pdf")
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == ["INV-2.pdf", "invoices/INV-1.pdf"]
    assert (root / "invoices" / "INV-1.pdf").read_bytes() == PDF + b"v2"


async def test_local_check_creates_the_root(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet"
    await LocalObjectStore(root).check()
    assert root.is_dir()
    assert list(root.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
async def test_local_check_fails_on_a_read_only_root(tmp_path: Path) -> None:
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            await LocalObjectStore(root).check()
    finally:
        root.chmod(0o700)


async def test_local_check_fails_when_the_root_cannot_be_a_folder(tmp_path: Path) -> None:
    """Runs for every user, root included (unlike the read-only case above)."""
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"not a folder")
    with pytest.raises(OSError):
        await LocalObjectStore(blocker / "objects").check()


# -- S3 only ---------------------------------------------------------------------------------
async def test_s3_check_fails_when_the_bucket_is_missing(s3_endpoint: str) -> None:
    store = _s3_store(s3_endpoint, _bucket_name())
    with pytest.raises(ClientError):
        await store.check()


async def test_s3_ensure_bucket_is_idempotent(s3_endpoint: str) -> None:
    store = _s3_store(s3_endpoint, _bucket_name())
    await store.ensure_bucket()
    await store.ensure_bucket()
    await store.check()


async def test_s3_prefix_is_where_objects_live(s3_endpoint: str) -> None:
    bucket = _bucket_name()
    store = _s3_store(s3_endpoint, bucket, prefix="tenant-a/docs")
    await store.ensure_bucket()
    await store.put("invoices/INV-1.pdf", PDF, content_type="application/pdf")

    raw = _raw_client(s3_endpoint)
    listed = raw.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["tenant-a/docs/invoices/INV-1.pdf"]
    head = raw.head_object(Bucket=bucket, Key="tenant-a/docs/invoices/INV-1.pdf")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(PDF)

    # The same bucket seen without the prefix does not see the object under the bare key.
    unprefixed = _s3_store(s3_endpoint, bucket)
    assert not await unprefixed.exists("invoices/INV-1.pdf")
    assert await unprefixed.get("tenant-a/docs/invoices/INV-1.pdf") == PDF
