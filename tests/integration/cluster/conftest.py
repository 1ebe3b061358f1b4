"""The cluster tests' fixtures: a NATS cluster of our own and the services mode on it, each
stopped by PID at the end whatever happened."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psutil
import pytest
from bench.harness import servers as deploy

from tests import servers
from tests.integration.bus.support import require_nats_server
from tests.integration.cluster.nats_cluster import NatsCluster


@pytest.fixture
def nats_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    require_nats_server()
    cluster = NatsCluster(tmp_path_factory.mktemp("nats-cluster"))
    try:
        cluster.start_all()
        asyncio.run(cluster.wait_formed())
        yield cluster
    finally:
        cluster.stop_all()


def _stop(deployment: deploy.Deployment) -> None:
    """Every process of the deployment and whatever it started, by PID."""
    children: list[psutil.Process] = []
    for proc in deployment.procs:
        if proc.popen is not None:
            with contextlib.suppress(psutil.Error):
                children += psutil.Process(proc.pid).children(recursive=True)
    deployment.stop()
    _, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=5)


@pytest.fixture
async def services_on_cluster(
    nats_cluster: NatsCluster, tmp_path: Path
) -> AsyncIterator[deploy.Deployment]:
    """The services mode on its own PostgreSQL database and the cluster: `pulse serve
    --workers 2`, `pulse relay`, `pulse worker all --processes 2`, the stream kept 3 times."""
    servers.require("PostgreSQL", servers.PG_HOST, servers.PG_PORT)
    pg = f"{servers.PG_USER}@{servers.PG_HOST}:{servers.PG_PORT}"
    admin_dsn = f"postgresql://{pg}/{servers.PG_ADMIN_DB}"
    workdir = tmp_path / "services"
    workdir.mkdir()
    run_id = uuid.uuid4().hex[:10]
    deployment = await deploy.services(
        workdir,
        secrets.token_urlsafe(32),
        admin_dsn=admin_dsn,
        pg_host=pg,
        run_id=run_id,
        bus="nats",
        nats_url=nats_cluster.url,
        api_processes=2,
        worker_processes=2,
        settings={
            "PULSE_NATS_STREAM_REPLICAS": "3",
            # PDFs in a thread of the worker: a render process per worker is CPU this test
            # does not need.
            "PULSE_RENDER_PROCESSES": "0",
            "PULSE_RELAY_POLL_SECONDS": "0.1",
            "PULSE_LOG_LEVEL": "WARNING",
        },
    )
    try:
        deployment.start()
        await deploy.wait_ready(deployment, timeout=240)
        yield deployment
    finally:
        _stop(deployment)
        if deployment.database_name:
            await deploy.drop_database(admin_dsn, deployment.database_name)
