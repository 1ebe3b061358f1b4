"""What the bus tests share: the state a redelivery must not change, stream figures, a
throw-away nats-server."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from sqlalchemy import text

from pulse.bootstrap import Container
from pulse.platform.settings import Settings
from tests import servers

NATS_SERVER = Path("/usr/sbin/nats-server")


@dataclass(frozen=True)
class Snapshot:
    """Everything a consumer's effects touch; a redelivered event must leave it equal."""

    stock: dict[str, tuple[int, int]]
    statuses: dict[str, str]
    movements: int
    history: int
    events: int
    processed: int
    # Billing: each invoice's state, and how many payments, credit notes and journal lines.
    invoices: dict[str, tuple[str, str, str, str, int]]
    payments: int
    credit_notes: int
    journal_lines: int
    ledger_totals: tuple[str, str]


async def scalar(container: Container, sql: str, **params: Any) -> Any:
    async with container.uow(readonly=True) as uow:
        return (await uow.session.execute(text(sql), params)).scalar_one()


async def rows(container: Container, sql: str, **params: Any) -> list[Any]:
    async with container.uow(readonly=True) as uow:
        return list((await uow.session.execute(text(sql), params)).all())


async def snapshot(container: Container) -> Snapshot:
    stock = await rows(container, "SELECT sku, qty_on_hand, reserved_qty FROM stock_levels")
    statuses = await rows(container, "SELECT id, status FROM orders")
    return Snapshot(
        stock={sku: (on_hand, reserved) for sku, on_hand, reserved in stock},
        statuses={str(order_id): status for order_id, status in statuses},
        movements=await scalar(container, "SELECT count(*) FROM stock_movements"),
        history=await scalar(container, "SELECT count(*) FROM order_status_history"),
        events=await scalar(container, "SELECT count(*) FROM outbox"),
        processed=await scalar(container, "SELECT count(*) FROM processed_events"),
        invoices={
            str(order_id): (status, str(paid), str(credited), str(balance), revision)
            for order_id, status, paid, credited, balance, revision in await rows(
                container,
                "SELECT order_id, status, amount_paid, amount_credited, balance, revision"
                " FROM invoices",
            )
        },
        payments=await scalar(container, "SELECT count(*) FROM payments"),
        credit_notes=await scalar(container, "SELECT count(*) FROM credit_notes"),
        journal_lines=await scalar(container, "SELECT count(*) FROM journal_lines"),
        ledger_totals=tuple(
            str(x)
            for x in (await rows(container, "SELECT sum(debit), sum(credit) FROM journal_lines"))[0]
        ),
    )


async def unpublished(container: Container) -> int:
    return int(await scalar(container, "SELECT count(*) FROM outbox WHERE published_at IS NULL"))


async def make_customer_and_product(client: httpx.AsyncClient, *, sku: str, qty: int) -> str:
    tag = sku.lower()
    response = await client.post(
        "/customers", json={"name": f"Customer {tag}", "email": f"{tag}@example.com"}
    )
    assert response.status_code == 201, response.text
    customer_id = response.json()["id"]
    response = await client.post(
        "/inventory",
        json={"sku": sku, "name": f"Product {sku}", "price": "12.50", "qty_on_hand": qty},
    )
    assert response.status_code == 201, response.text
    return str(customer_id)


async def place(client: httpx.AsyncClient, customer_id: str, sku: str, qty: int) -> str:
    response = await client.post(
        "/orders", json={"customer_id": customer_id, "items": [{"sku": sku, "qty": qty}]}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "placed"
    return str(response.json()["id"])


async def status_of(client: httpx.AsyncClient, order_id: str) -> str:
    response = await client.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


# -- NATS --------------------------------------------------------------------------------------
async def stream_messages(settings: Settings) -> int:
    nc = await nats.connect(settings.nats_servers, max_reconnect_attempts=1)
    try:
        info = await nc.jetstream().stream_info(settings.nats_stream)
        return int(info.state.messages)
    finally:
        await nc.close()


async def delete_stream(url: str, stream: str) -> None:
    try:
        nc = await nats.connect(url, max_reconnect_attempts=1, connect_timeout=2)
    except Exception:  # noqa: BLE001 - a server that is gone took the stream with it
        return
    try:
        await nc.jetstream().delete_stream(stream)
    except Exception:  # noqa: BLE001 - never created, nothing to clean
        pass
    finally:
        await nc.close()


def require_nats_server() -> None:
    """Skip where nats-server is not installed; in CI, fail."""
    if NATS_SERVER.exists():
        return
    message = f"{NATS_SERVER} is not installed"
    if servers.in_ci():
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NatsServer:
    """A nats-server of our own, so a test can kill and restart it on the same store."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(NATS_SERVER),
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-sd",
                str(self.store),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not servers.reachable("127.0.0.1", self.port, timeout=0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not come up on port {self.port}")
            time.sleep(0.05)

    def freeze(self) -> None:
        """The server hangs with its connections open, as on a stalled host."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
