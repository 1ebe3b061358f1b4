"""The S3 object store (AWS, MinIO, any S3-compatible server), in a module of its own so that
boto3 is imported only by a process whose `PULSE_OBJECT_STORE_URL` names a bucket."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from pulse.platform.storage import ObjectNotFound, check_key

# Error codes S3 and its look-alikes use for "no such object"; HEAD answers carry no body, so
# only the status code comes back there.
_MISSING_OBJECT_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
_MISSING_BUCKET_CODES = frozenset({"NoSuchBucket", "NotFound", "404"})


class S3ObjectStore:
    """An S3-compatible bucket (AWS, MinIO, ...). boto3 is synchronous, so every call runs in a
    worker thread; one client serves them all (boto3 clients are thread-safe)."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        if not bucket:
            raise ValueError("an S3 object store needs a bucket name")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.region = region
        config = Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        )
        # A private session: the module-level default one is not safe to share across threads.
        session = boto3.session.Session()
        # Typed Any: boto3 builds its client classes at runtime and ships no stubs.
        self._client: Any = session.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=config,
        )

    @property
    def description(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        return f"{where} at {self.endpoint_url or 'AWS'}"

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key, self._key(key))

    def _get(self, key: str, full_key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=full_key)
        except ClientError as exc:
            if _error_code(exc) in _MISSING_OBJECT_CODES:
                raise ObjectNotFound(key) from None
            raise
        body = response["Body"]
        try:
            data: bytes = body.read()
            return data
        finally:
            body.close()

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._exists, self._key(key))

    def _exists(self, full_key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=full_key)
        except ClientError as exc:
            if _error_code(exc) in _MISSING_OBJECT_CODES:
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is not there, which is what the interface promises.
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def check(self) -> None:
        await asyncio.to_thread(self._client.head_bucket, Bucket=self.bucket)

    async def ensure_bucket(self) -> None:
        """Create the bucket when it is missing, for `pulse` setup and tests; a no-op otherwise."""
        await asyncio.to_thread(self._ensure_bucket)

    def _ensure_bucket(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in _MISSING_BUCKET_CODES:
                raise
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":  # AWS refuses an explicit us-east-1 constraint
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._client.create_bucket(**kwargs)
        except ClientError as exc:
            # Someone else (another process starting up) created it first.
            if _error_code(exc) != "BucketAlreadyOwnedByYou":
                raise


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
