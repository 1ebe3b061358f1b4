"""Real relay and worker processes, killed with SIGKILL in the middle of a stream of orders
and restarted: every order is still confirmed or rejected exactly once, and every
confirmed order invoiced exactly once, under consecutive numbers, with its PDF."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psutil
import pytest

from pulse.bootstrap import Container, build_container
from pulse.inventory import service as inventory_service
from pulse.inventory.schemas import ProductCreate
from pulse.orders import customers as orders_customers
from pulse.orders import service as orders_service
from pulse.orders.schemas import CustomerCreate, OrderCreate, OrderItemIn
from pulse.platform.settings import Settings
from tests.integration.bus import exactly_once, support

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize(
        ("backend", "bus_kind"), [("sqlite", "embedded"), ("postgres", "nats")]
    ),
]

ORDERS = 300
# Orders only trickle in while a process boots; a very slow boot stops them here.
MAX_ORDERS = 600
SKUS = {"CRASH-A": 150, "CRASH-B": 150, "CRASH-C": 150}
PULSE = Path(sys.executable).parent / "pulse"
UNDECIDED = "SELECT count(*) FROM orders WHERE status = 'placed'"
# What only a working worker, or a working relay, moves forward.
PROGRESS = {
    "worker": "SELECT count(*) FROM orders WHERE status <> 'placed'",
    "relay": "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL",
}


class Processes:
    """`pulse relay` and `pulse worker all`, started, killed and restarted by role."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
        self.env.update(
            {
                "PULSE_DATABASE_URL": settings.resolved_database_url,
                "PULSE_DATA_DIR": str(settings.data_dir),
                "PULSE_JWT_SECRET": "crash-test-secret-" + "x" * 40,
                "PULSE_BUS_URL": settings.bus_url,
                "PULSE_NATS_STREAM": settings.nats_stream,
                "PULSE_NATS_SUBJECT_PREFIX": settings.nats_subject_prefix,
                "PULSE_RELAY_POLL_SECONDS": "0.05",
                "PULSE_LOG_LEVEL": "WARNING",
                "PULSE_LOG_JSON": "false",
            }
        )
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.killed: list[int] = []
        self.starts = 0

    def start(self, role: str) -> None:
        args = ["relay"] if role == "relay" else ["worker", "all"]
        self.starts += 1
        log = open(self.workdir / f"{role}-{self.starts}.log", "wb")  # noqa: SIM115
        self.running[role] = subprocess.Popen(
            [str(PULSE), *args], cwd=self.workdir, env=self.env, stdout=log, stderr=log
        )
        log.close()

    def kill(self, role: str) -> None:
        process = self.running.pop(role)
        # What the process started (its PDF render process) goes down with it, as a
        # supervisor stopping the process's group would do; left alone it would outlive it.
        orphans: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            orphans = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGKILL)
        self.killed.append(process.wait(timeout=10))
        for orphan in orphans:
            with contextlib.suppress(psutil.Error):
                orphan.kill()
        psutil.wait_procs(orphans, timeout=10)

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running.clear()

    def assert_alive(self) -> None:
        for role, process in self.running.items():
            assert process.poll() is None, f"{role} exited early: {self.logs()}"

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
            for path in sorted(self.workdir.glob("*.log"))
        )


@pytest.fixture
def processes(settings: Settings, tmp_path: Path) -> Iterator[Processes]:
    workdir = tmp_path / "procs"
    workdir.mkdir()
    procs = Processes(settings, workdir)
    yield procs
    procs.stop_all()


class OrderStream:
    """Places orders through the service layer, as the API would, one transaction each."""

    def __init__(self, container: Container, customer_id: uuid.UUID) -> None:
        self.container = container
        self.customer_id = customer_id
        self.rng = random.Random(20261123)
        self.placed = 0

    async def place(self, count: int) -> None:
        for _ in range(count):
            skus = self.rng.sample(sorted(SKUS), self.rng.choice((1, 2)))
            data = OrderCreate(
                customer_id=self.customer_id,
                items=[OrderItemIn(sku=sku, qty=self.rng.randint(1, 3)) for sku in skus],
            )
            async with self.container.uow(actor="crash-test") as uow:
                await orders_service.place_order(uow, data, can_override_price=False)
                await uow.commit()
            self.placed += 1

    async def trickle(self) -> None:
        """A slow stream while a process boots, so there is still work when it is killed."""
        if self.placed < MAX_ORDERS:
            await self.place(1)
        await asyncio.sleep(0.05)


async def test_killed_relay_and_worker_lose_and_repeat_nothing(
    settings: Settings, processes: Processes, bus_kind: str
) -> None:
    container = build_container(settings.model_copy(update={"consumers": "none", "relay": False}))
    await container.start()
    try:
        orders = await _crash_run(container, processes)
        await _check(container, bus_kind, orders)
    finally:
        await container.stop()


async def _crash_run(container: Container, procs: Processes) -> int:
    async with container.uow(actor="crash-test") as uow:
        customer = await orders_customers.create_customer(
            uow, CustomerCreate(name="Crash Test", email="crash@example.com")
        )
        for sku, qty in SKUS.items():
            await inventory_service.create_product(
                uow, ProductCreate(sku=sku, name=sku, price=Decimal("4.20"), qty_on_hand=qty)
            )
        await uow.commit()
    orders = OrderStream(container, customer.id)
    started_at = {role: await support.scalar(container, PROGRESS[role]) for role in PROGRESS}
    undecided_at_kill = []
    procs.start("relay")
    procs.start("worker")
    for victim in ("worker", "relay", "worker"):
        # Kill only a process seen working since its start, right after a burst of orders,
        # so the kill lands mid-stream; its replacement boots while more orders arrive.
        deadline = time.monotonic() + 60
        while await support.scalar(container, PROGRESS[victim]) <= started_at[victim]:
            procs.assert_alive()
            assert time.monotonic() < deadline, f"{victim} made no progress\n{procs.logs()}"
            await orders.trickle()
        await orders.place(20)
        procs.kill(victim)
        undecided_at_kill.append(await support.scalar(container, UNDECIDED))
        started_at[victim] = await support.scalar(container, PROGRESS[victim])
        procs.start(victim)
    await orders.place(max(0, ORDERS - orders.placed))

    deadline = time.monotonic() + 60
    while not await exactly_once.flow_settled(container):
        procs.assert_alive()
        assert time.monotonic() < deadline, f"the stream did not settle\n{procs.logs()}"
        await asyncio.sleep(0.25)
    procs.stop_all()
    assert procs.killed == [-signal.SIGKILL] * 3
    assert all(undecided_at_kill), f"a kill found no work in flight: {undecided_at_kill}"
    return orders.placed


async def _check(container: Container, bus_kind: str, orders: int) -> None:
    assert orders >= ORDERS
    await exactly_once.assert_each_order_once(
        container, orders=orders, skus=SKUS, stream=bus_kind == "nats"
    )
