"""A 3-node NATS JetStream cluster of real `nats-server` processes on loopback ports of its
own, each with its own store, for tests that take a member down."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.js.api import ClusterInfo, StreamConfig

from tests.integration.bus.support import NATS_SERVER, free_port
from tests.servers import reachable

FORMED_SECONDS = 30.0


@dataclass
class Node:
    name: str
    port: int
    cluster_port: int
    store: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class NatsCluster:
    def __init__(self, workdir: Path, size: int = 3) -> None:
        self.workdir = workdir
        self.name = f"pulse-test-{uuid.uuid4().hex[:8]}"
        self.nodes = [
            Node(
                name=f"n{i}",
                port=free_port(),
                cluster_port=free_port(),
                store=workdir / f"n{i}",
                log=workdir / f"n{i}.log",
            )
            for i in range(1, size + 1)
        ]

    @property
    def url(self) -> str:
        """Every member, the way PULSE_BUS_URL names a cluster."""
        return ",".join(node.url for node in self.nodes)

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def _config(self, node: Node) -> Path:
        routes = ", ".join(f"nats-route://127.0.0.1:{n.cluster_port}" for n in self.nodes)
        path = self.workdir / f"{node.name}.conf"
        path.write_text(
            f"""server_name: {node.name}
listen: 127.0.0.1:{node.port}
jetstream {{ store_dir: "{node.store}", max_memory_store: 64MB, max_file_store: 1GB }}
cluster {{
  name: {self.name}
  listen: 127.0.0.1:{node.cluster_port}
  routes: [{routes}]
}}
"""
        )
        return path

    def start(self, node: Node) -> None:
        node.store.mkdir(parents=True, exist_ok=True)
        node.process = subprocess.Popen(
            [str(NATS_SERVER), "-c", str(self._config(node)), "-l", str(node.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not reachable("127.0.0.1", node.port, timeout=0.2):
            if node.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nats-server {node.name} did not come up:\n{self.logs()}")
            time.sleep(0.05)

    def start_all(self) -> None:
        for node in self.nodes:
            self.start(node)

    def kill(self, node: Node) -> None:
        """SIGKILL: the member is gone at once, as with a lost host."""
        if node.process is not None and node.process.poll() is None:
            node.process.kill()
            node.process.wait(timeout=10)

    def stop_all(self) -> None:
        for node in self.nodes:
            if node.alive:
                assert node.process is not None
                node.process.terminate()
        for node in self.nodes:
            if node.process is None:
                continue
            try:
                node.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait(timeout=10)

    async def wait_formed(self) -> None:
        """Until JetStream places a stream on every member: the cluster has met and elected
        its meta leader."""
        probe = f"PROBE_{uuid.uuid4().hex[:8]}"
        nc = await nats.connect(self.urls, connect_timeout=2, max_reconnect_attempts=-1)
        try:
            js = nc.jetstream(timeout=2)
            deadline = time.monotonic() + FORMED_SECONDS
            while True:
                try:
                    await js.add_stream(
                        StreamConfig(name=probe, subjects=[f"{probe}.>"], num_replicas=3)
                    )
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the cluster did not form:\n{self.logs()}") from None
                    await asyncio.sleep(0.2)
            with contextlib.suppress(Exception):
                await js.delete_stream(probe)
        finally:
            await nc.close()

    async def _stream_cluster(self, stream: str) -> ClusterInfo:
        nc = await nats.connect(self.urls, connect_timeout=2, max_reconnect_attempts=3)
        try:
            info = await nc.jetstream(timeout=5).stream_info(stream)
        finally:
            await nc.close()
        assert info.config.num_replicas == len(self.nodes), info.config
        assert info.cluster is not None and info.cluster.leader, info
        return info.cluster

    async def stream_leader(self, stream: str) -> Node:
        return self.node(str((await self._stream_cluster(stream)).leader))

    async def stream_in_step(self, stream: str) -> bool:
        """Whether every member holds the stream and is current with its leader."""
        cluster = await self._stream_cluster(stream)
        followers = cluster.replicas or []
        return len(followers) == len(self.nodes) - 1 and all(
            peer.current and not peer.offline and not peer.lag for peer in followers
        )

    def logs(self, lines: int = 20) -> str:
        parts = []
        for node in self.nodes:
            with contextlib.suppress(OSError):
                tail = node.log.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {node.name}\n" + "\n".join(tail))
        return "\n".join(parts)
