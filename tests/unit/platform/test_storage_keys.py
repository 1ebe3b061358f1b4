"""Object keys are validated the same for every backend, and the URL setting picks the backend."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pulse.platform.errors import NotFound
from pulse.platform.settings import Settings
from pulse.platform.storage import (
    MAX_KEY_LENGTH,
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
    check_key,
    object_store,
)
from pulse.platform.storage_s3 import S3ObjectStore


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "invoices/2024/INV-000123.pdf",
        "credit-notes/CN_7.v2.pdf",
        ".hidden",
        "a/..b/c..",
        "x" * MAX_KEY_LENGTH,
    ],
)
def test_good_keys_are_returned_unchanged(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/a",
        "a/",
        "a//b",
        ".",
        "..",
        "../x",
        "a/../b",
        "a/./b",
        "a b",
        "a\\b",
        "ä.pdf",
        "a\x00b",
        "a\n",
        "x" * (MAX_KEY_LENGTH + 1),
        "x" * 600,
    ],
)
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)


def test_object_not_found_is_a_404_with_its_own_code() -> None:
    exc = ObjectNotFound("invoices/x.pdf")
    assert isinstance(exc, NotFound)
    assert (exc.status, exc.code, exc.key) == (404, "object_not_found", "invoices/x.pdf")
    assert "invoices/x.pdf" in exc.detail


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        object_store_url=url,
        s3_endpoint_url="http://127.0.0.1:1",
        s3_access_key="k",
        s3_secret_key="s",
    )


def test_empty_url_means_a_folder_under_data_dir(tmp_path: Path) -> None:
    store = object_store(_settings(tmp_path, ""))
    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "objects"
    assert isinstance(store, ObjectStore)


def test_file_url_means_that_folder(tmp_path: Path) -> None:
    store = object_store(_settings(tmp_path, "file:///tmp/x"))
    assert isinstance(store, LocalObjectStore)
    assert store.root == Path("/tmp/x")
    assert "/tmp/x" in store.description


def test_plain_path_means_that_folder(tmp_path: Path) -> None:
    store = object_store(_settings(tmp_path, str(tmp_path / "blobs")))
    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "blobs"


def test_s3_url_builds_the_s3_store_without_touching_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recorded as well as refused: botocore wraps (and may retry) a failed connection.
    attempts: list[object] = []

    def no_network(sock: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    store = object_store(_settings(tmp_path, "s3://bucket/pre/fix"))
    assert attempts == []
    assert isinstance(store, S3ObjectStore)
    assert (store.bucket, store.prefix) == ("bucket", "pre/fix")
    assert store.description == "s3://bucket/pre/fix at http://127.0.0.1:1"
    assert isinstance(store, ObjectStore)


def test_s3_url_without_prefix(tmp_path: Path) -> None:
    store = object_store(_settings(tmp_path, "s3://bucket"))
    assert isinstance(store, S3ObjectStore)
    assert (store.bucket, store.prefix) == ("bucket", "")
    assert store.description == "s3://bucket at http://127.0.0.1:1"


@pytest.mark.parametrize("url", ["ftp://x", "http://example.com/b", "s3://", "file://host/p"])
def test_unsupported_urls_are_refused_with_the_url_in_the_message(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError) as info:
        object_store(_settings(tmp_path, url))
    assert url in str(info.value)


def test_an_invalid_s3_prefix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        object_store(_settings(tmp_path, "s3://bucket/a/../b"))
