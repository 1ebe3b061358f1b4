"""Invoice PDFs through the S3 backend: rendered by the documents consumer (in a render
process) into a bucket on a real S3 server (moto, over HTTP on loopback) and served back
by the API."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import boto3
import httpx
import pytest
from pypdf import PdfReader

from pulse.bootstrap import Container
from pulse.platform.settings import Settings
from pulse.platform.storage_s3 import S3ObjectStore
from tests.integration.billing.factories import invoiced_order, pay

BUCKET = "pulse-documents"


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the store, not the database, is under test here


@pytest.fixture
def settings(db_url: str, tmp_path: Path, s3_endpoint: str) -> Settings:
    store = S3ObjectStore(
        bucket=BUCKET, endpoint_url=s3_endpoint, access_key="testing", secret_key="testing"
    )
    asyncio.run(store.ensure_bucket())
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        jwt_secret="test-secret-" + "x" * 40,
        admin_password="admin-password-1",
        relay_poll_seconds=0.05,
        object_store_url=f"s3://{BUCKET}/{tmp_path.name}",
        s3_endpoint_url=s3_endpoint,
        s3_access_key="testing",
        s3_secret_key="testing",
        render_processes=1,  # and the PDFs rendered in a separate process
    )


def _objects(endpoint: str, prefix: str) -> dict[str, bytes]:
    s3 = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listing}


async def test_invoice_pdf_is_stored_in_and_served_from_s3(
    client: httpx.AsyncClient, container: Container, s3_endpoint: str, tmp_path: Path
) -> None:
    assert isinstance(container.store, S3ObjectStore)
    _, invoice = await invoiced_order(client, container, price="25.00", qty=2)  # 60.00
    assert await container.bus.drain()
    prefix = f"{tmp_path.name}/invoices/{invoice['number']}/"
    stored = _objects(s3_endpoint, prefix)
    assert list(stored) == [prefix + "r1.pdf"]  # rendered by the documents consumer
    assert container.documents._pool is not None  # in the render process

    served = await client.get(invoice["pdf_url"])
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert served.content == stored[prefix + "r1.pdf"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(served.content)).pages)
    assert invoice["number"] in text and "60.00" in text

    # A payment makes a new version, rendered when asked for; the one sent before stays.
    assert (await pay(client, invoice["id"], "60.00")).status_code == 201
    assert await container.bus.drain()
    assert list(_objects(s3_endpoint, prefix)) == [prefix + "r1.pdf"]
    again = await client.get(invoice["pdf_url"])
    stored = _objects(s3_endpoint, prefix)
    assert sorted(stored) == [prefix + "r1.pdf", prefix + "r2.pdf"]
    assert again.content == stored[prefix + "r2.pdf"] != stored[prefix + "r1.pdf"]
    assert "Paid" in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(again.content)).pages)
