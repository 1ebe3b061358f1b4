"""The object store: blobs (invoice PDFs and the like) by key, in a local folder or
an S3-compatible bucket, behind one async interface."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import unquote, urlparse

from pulse.platform.errors import NotFound
from pulse.platform.settings import Settings

MAX_KEY_LENGTH = 512
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


class ObjectNotFound(NotFound, code="object_not_found"):
    """No object under the key: a 404 for the caller, whichever backend answered."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no stored object {key!r}", code=self.code)
        self.key = key


def check_key(key: str) -> str:
    """Refuse keys that could escape the store's root on disk or mean different things to the
    two backends, so a key that works on one works the same on the other."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValueError(f"an object key must be 1 to {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            raise ValueError(
                f"invalid object key {key!r}: segments separated by '/' must be non-empty, "
                "use only A-Z a-z 0-9 . _ - and not be '.' or '..'"
            )
    return key


@runtime_checkable
class ObjectStore(Protocol):
    """What the rest of Pulse may rely on, whichever backend is configured."""

    @property
    def description(self) -> str:
        """Where the objects live, for logs and the readiness report (never a secret)."""
        ...

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store `data` under `key`, replacing any previous object whole (never half-written)."""
        ...

    async def get(self, key: str) -> bytes:
        """The object's bytes; raises ObjectNotFound when there is none."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error, so retries are safe."""
        ...

    async def check(self) -> None:
        """Readiness probe: raise when the store cannot be written to or read from."""
        ...


class LocalObjectStore:
    """A folder on disk, the embedded default. The content type is not kept: the callers know
    what they stored. A key cannot be both an object and a "folder" of others here (S3 allows
    it); Pulse's keys never need that."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def description(self) -> str:
        return f"local folder {self.root.absolute()}"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same directory, so os.replace is a rename: readers see the old file or the new one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(key) from None

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, self._path(key))

    @staticmethod
    def _delete(path: Path) -> None:
        if path.is_file():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    async def check(self) -> None:
        await asyncio.to_thread(self._check)

    def _check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Actually write: os.access says yes to root on a read-only mount.
        fd, probe = tempfile.mkstemp(dir=self.root, prefix=".probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable; POSIX only (Windows cannot open a directory)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def object_store(settings: Settings) -> ObjectStore:
    """The backend `settings.object_store_url` names; a typo fails here, at startup."""
    url = settings.object_store_url.strip()
    if not url:
        return LocalObjectStore(settings.data_dir / "objects")
    if "://" not in url:
        return LocalObjectStore(Path(url))
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        if parsed.netloc not in ("", "localhost") or not parsed.path:
            raise ValueError(
                f"object_store_url {url!r}: a file URL needs an absolute path, e.g. file:///srv/x"
            )
        return LocalObjectStore(Path(unquote(parsed.path)))
    if scheme == "s3":
        if not parsed.netloc:
            raise ValueError(f"object_store_url {url!r}: an s3 URL needs a bucket, s3://bucket")
        secret = settings.s3_secret_key
        # boto3 costs about 10 MiB and half a second to import: only an S3 store loads it.
        from pulse.platform.storage_s3 import S3ObjectStore

        return S3ObjectStore(
            bucket=parsed.netloc,
            prefix=unquote(parsed.path).strip("/"),
            endpoint_url=settings.s3_endpoint_url or None,
            access_key=settings.s3_access_key or None,
            secret_key=secret.get_secret_value() if secret is not None else None,
            region=settings.s3_region,
        )
    raise ValueError(
        f"object_store_url {url!r}: unsupported scheme {parsed.scheme!r}; "
        "use '' (a folder under data_dir), file:///path, a plain path, or s3://bucket[/prefix]"
    )
