"""The billing benchmark's load and its readings: open invoices paid round-robin, the order
load with each order's time to its invoice, orders one at a time, served invoice PDFs."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.harness import load, machine
from bench.harness.load import JSON
from bench.harness.meter import Meter, sample_sessions
from bench.harness.outbox import Event, Reader
from bench.harness.servers import Deployment
from bench.harness.stats import summary_ms

PAYMENT_BODY = orjson.dumps({"amount": "1.00", "method": "card", "reference": "bench"})
# The events the `documents` consumer renders a PDF for (later versions render on request).
DOCUMENT_EVENTS = ("invoice.issued", "credit_note.issued")
# Three free lines, about EUR 550 with tax: room for hundreds of 1.00 payments each.
INVOICE_LINES = [
    {
        "description": "Stainless steel widget, 40 mm",
        "qty": "12",
        "unit_price": "18.40",
        "tax_rate": "0.2000",
    },
    {
        "description": "Assembly and testing (hours)",
        "qty": "3.5",
        "unit_price": "62.00",
        "tax_rate": "0.2000",
    },
    {
        "description": "Printed operating manual",
        "qty": "2",
        "unit_price": "9.90",
        "tax_rate": "0.1000",
    },
]


async def documents_backlog(outbox: Reader, after_pk: int) -> int:
    """Events since `after_pk` the `documents` consumer has not rendered a PDF for yet."""
    marks = ", ".join(f"${i}" for i in range(2, len(DOCUMENT_EVENTS) + 2))
    rows = await outbox.fetch(
        f"SELECT count(*) FROM outbox o WHERE o.pk > $1 AND o.type IN ({marks}) "
        "AND NOT EXISTS (SELECT 1 FROM processed_events p "
        "WHERE p.consumer = 'documents' AND p.event_id = o.id)",
        after_pk,
        *DOCUMENT_EVENTS,
    )
    return int(rows[0][0])


async def wait_documents(outbox: Reader, after_pk: int, timeout: float = 300) -> tuple[bool, float]:
    start = time.perf_counter()
    while True:
        if await documents_backlog(outbox, after_pk) == 0:
            return True, round(time.perf_counter() - start, 3)
        if time.perf_counter() - start > timeout:
            return False, round(time.perf_counter() - start, 3)
        await asyncio.sleep(0.1)


@dataclass
class Invoices:
    ids: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)
    total: str = ""
    counter: int = 0
    # Payments started while another payment on the same invoice was still in flight.
    shared: int = 0
    in_flight: dict[str, int] = field(default_factory=dict)

    def next_payment(self) -> tuple[str, bytes]:
        invoice_id = self.ids[self.counter % len(self.ids)]
        self.counter += 1
        path = f"/billing/invoices/{invoice_id}/pay"
        if self.in_flight.get(path):
            self.shared += 1
        self.in_flight[path] = self.in_flight.get(path, 0) + 1
        return path, PAYMENT_BODY

    def finished(self, path: str) -> None:
        self.in_flight[path] -= 1


async def create_invoices(
    session: aiohttp.ClientSession, customers: list[str], count: int, workers: int = 8
) -> tuple[Invoices, float]:
    """`count` open invoices of three free lines, by POST /billing/invoices."""
    invoices = Invoices()
    queue = list(range(count))
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            i = queue.pop()
            body = {"customer_id": customers[i % len(customers)], "lines": INVOICE_LINES}
            async with session.post(
                "/billing/invoices", data=orjson.dumps(body), headers=JSON
            ) as resp:
                data = await resp.read()
                if resp.status != 201:
                    raise RuntimeError(
                        f"POST /billing/invoices {orjson.dumps(body).decode()} answered "
                        f"{resp.status}: {data[:500]!r}"
                    )
            invoice = orjson.loads(data)
            if invoice["status"] != "issued":
                raise RuntimeError(f"a new invoice is {invoice['status']!r}, not 'issued'")
            invoices.ids.append(invoice["id"])
            invoices.numbers[invoice["id"]] = invoice["number"]
            invoices.total = invoice["total"]

    await asyncio.gather(*(worker() for _ in range(workers)))
    invoices.ids.sort(key=lambda x: invoices.numbers[x])
    return invoices, time.perf_counter() - started


# -- order → invoice ------------------------------------------------------------------------
ORDER_TYPES = ("order.created", "order.confirmed", "invoice.issued", "order.rejected")


def invoice_latency(rows: list[Event], order_ids: list[str]) -> dict[str, object]:
    """`order.created` → `invoice.issued` (occurred_at) for the given orders."""
    wanted = set(order_ids)
    created: dict[str, datetime] = {}
    confirmed: dict[str, datetime] = {}
    issued: dict[str, datetime] = {}
    rejected = 0
    for _, type_, aggregate_id, occurred, payload in rows:
        if type_ == "order.created" and aggregate_id in wanted:
            created[aggregate_id] = occurred
        elif type_ == "order.confirmed" and aggregate_id in wanted:
            confirmed[aggregate_id] = occurred
        elif type_ == "invoice.issued" and str(payload.get("order_id")) in wanted:
            issued[str(payload["order_id"])] = occurred
        elif type_ == "order.rejected" and aggregate_id in wanted:
            rejected += 1
    spans = [(issued[o] - created[o]).total_seconds() for o in created if o in issued]
    to_confirmed = [(confirmed[o] - created[o]).total_seconds() for o in created if o in confirmed]
    to_invoice = [(issued[o] - confirmed[o]).total_seconds() for o in confirmed if o in issued]
    span = None
    if created and issued:
        span = (max(issued.values()) - min(created.values())).total_seconds()
    return {
        "orders": len(wanted),
        "created_events": len(created),
        "invoiced": len(issued),
        "rejected": rejected,
        "created_to_invoice_issued_ms": summary_ms(spans),
        "created_to_confirmed_ms": summary_ms(to_confirmed),
        "confirmed_to_invoice_issued_ms": summary_ms(to_invoice),
        "invoices_per_s": round(len(issued) / span, 1) if span else None,
    }


async def wait_invoiced(
    outbox: Reader, after_pk: int, order_ids: list[str], timeout: float
) -> tuple[bool, float, list[Event]]:
    """Poll the outbox until every order has its `invoice.issued`."""
    wanted = set(order_ids)
    start = time.perf_counter()
    while True:
        rows = await outbox.rows(ORDER_TYPES, after_pk)
        done = {str(r[4].get("order_id")) for r in rows if r[1] == "invoice.issued"}
        if wanted <= done:
            return True, time.perf_counter() - start, rows
        if time.perf_counter() - start > timeout:
            return False, time.perf_counter() - start, rows
        await asyncio.sleep(0.1)


async def invoice_probe(
    session: aiohttp.ClientSession,
    outbox: Reader,
    payloads: list[bytes],
    *,
    samples: int,
    offset: int = 0,
    poll_interval: float = 0.002,
    timeout: float = 15.0,
) -> dict[str, object]:
    """One order at a time: POST it, then read the outbox every `poll_interval` until the
    order's `invoice.issued` is there (committed)."""
    seen: list[float] = []
    posts: list[float] = []
    order_ids: list[str] = []
    failures: dict[str, int] = {}
    start_pk = await outbox.max_pk()
    for i in range(samples):
        watermark = await outbox.max_pk()
        t0 = time.perf_counter()
        body = payloads[(offset + i) % len(payloads)]
        async with session.post("/orders", data=body, headers=JSON) as resp:
            data = await resp.read()
            if resp.status != 201:
                key = f"post {resp.status}: {data[:200]!r}"
                failures[key] = failures.get(key, 0) + 1
                continue
        posts.append(time.perf_counter() - t0)
        order_id = orjson.loads(data)["id"]
        order_ids.append(order_id)
        while True:
            rows = await outbox.rows(("invoice.issued",), watermark)
            if any(str(r[4].get("order_id")) == order_id for r in rows):
                seen.append(time.perf_counter() - t0)
                break
            if time.perf_counter() - t0 > timeout:
                failures["no invoice.issued in time"] = (
                    failures.get("no invoice.issued in time", 0) + 1
                )
                break
            await asyncio.sleep(poll_interval)
        await asyncio.sleep(0.05)
    rows = await outbox.rows(ORDER_TYPES, start_pk)
    return {
        "samples": samples,
        "post_ms": summary_ms(posts),
        "client_seen_ms": summary_ms(seen),
        "client_seen_s": [round(v, 6) for v in seen],
        "server_side": invoice_latency(rows, order_ids),
        "server_side_s": _spans(rows, order_ids),
        "failures": failures,
    }


def _spans(rows: list[Event], order_ids: list[str]) -> list[float]:
    wanted = set(order_ids)
    created = {r[2]: r[3] for r in rows if r[1] == "order.created" and r[2] in wanted}
    issued = {
        str(r[4].get("order_id")): r[3]
        for r in rows
        if r[1] == "invoice.issued" and str(r[4].get("order_id")) in wanted
    }
    return [round((issued[o] - created[o]).total_seconds(), 6) for o in created if o in issued]


# -- served PDFs ----------------------------------------------------------------------------
async def served_pdf(
    session: aiohttp.ClientSession,
    invoices: Invoices,
    objects: Path,
    samples: int,
    cached_reads: int = 3,
) -> dict[str, object]:
    """For `samples` invoices: delete every stored version (so the current one is "not
    rendered yet" to the server), GET it (rendered on the spot), then GET it `cached_reads`
    times more (read from the store)."""
    cold: list[float] = []
    cached: list[float] = []
    failures: list[dict] = []
    sizes: list[int] = []
    step = max(1, len(invoices.ids) // samples)
    for invoice_id in invoices.ids[::step][:samples]:
        number = invoices.numbers[invoice_id]
        folder = objects / "invoices" / number
        for version in folder.glob("r*.pdf"):
            version.unlink()
        path = f"/billing/invoices/{invoice_id}/pdf"
        for attempt in range(1 + cached_reads):
            t0 = time.perf_counter()
            async with session.get(path) as resp:
                data = await resp.read()
                status = resp.status
            elapsed = time.perf_counter() - t0
            if status != 200 or not data.startswith(b"%PDF"):
                failures.append(
                    {
                        "request": f"GET {path}",
                        "status": status,
                        "response": data[:300].decode(errors="replace"),
                    }
                )
                break
            (cold if attempt == 0 else cached).append(elapsed)
            if attempt == 0:
                sizes.append(len(data))
                if not any(folder.glob("r*.pdf")):
                    failures.append({"invoice": number, "error": "the render was not stored"})
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)
    return {
        "samples": samples,
        "cached_reads_per_invoice": cached_reads,
        "cold_ms": summary_ms(cold),
        "cached_ms": summary_ms(cached),
        "bytes_median": int(statistics.median(sizes)) if sizes else None,
        "failures": failures,
    }


@dataclass
class Point:
    """A closed-loop point: the outbox before it, the meter before and after, the load."""

    watermark: int
    start: Meter
    result: load.LoadResult
    loaded: Meter

    @classmethod
    async def run(
        cls,
        deployment: Deployment,
        token: str,
        outbox: Reader,
        requests: list[bytes] | Callable[[], tuple[str, bytes]],
        **how: Any,
    ) -> Point:
        """The load `requests` (`how` as for `load.closed_loop`), measured."""
        watermark = await outbox.max_pk()
        start = Meter(deployment)
        result = await load.closed_loop(deployment.base_url, token, requests, **how)
        return cls(watermark, start, result, Meter(deployment))

    def summary(self) -> dict[str, Any]:
        point = self.result.summary()
        point.update(self.loaded.since(self.start))
        point["loadavg_after"] = machine.loadavg()
        return point


async def payment_point(
    deployment: Deployment,
    token: str,
    invoices: Invoices,
    outbox: Reader,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> dict[str, object]:
    shared_before = invoices.shared
    sampler = None
    if deployment.pg_dsn is not None:
        sampler = asyncio.create_task(
            sample_sessions(deployment.pg_dsn, seconds=duration * 0.9, delay=warmup)
        )
    measured = await Point.run(
        deployment,
        token,
        outbox,
        invoices.next_payment,
        concurrency=concurrency,
        duration=duration,
        warmup=warmup,
        finished=invoices.finished,
        keep_failures=5,
    )
    drained, waited = await wait_documents(outbox, measured.watermark)
    done = Meter(deployment)
    point = measured.summary()
    total = measured.result.ok_including_warmup
    cpu_ms = done.cpu_seconds_since(measured.start) * 1000
    point["server_cpu_ms_per_payment"] = round(cpu_ms / total, 2) if total else None
    point["pdfs_drained"] = drained
    point["payments_sharing_an_invoice_in_flight"] = invoices.shared - shared_before
    point["pdf_drain_s"] = waited
    if sampler is not None:
        point["pg_sessions"] = await sampler
    return point


async def order_point(
    deployment: Deployment, token: str, payloads: list[bytes], outbox: Reader, **how: Any
) -> dict[str, object]:
    """The order load (`how`: its concurrency, duration and warm-up) and each order's time to
    its invoice."""
    measured = await Point.run(deployment, token, outbox, payloads, **how)
    order_ids = measured.result.order_ids
    done, waited, rows = await wait_invoiced(outbox, measured.watermark, order_ids, timeout=180)
    drained, pdf_wait = await wait_documents(outbox, measured.watermark)
    point = measured.summary()
    point["all_invoiced"] = done
    point["invoice_backlog_drain_s"] = round(waited, 3)
    point["pdf_drain_s"] = pdf_wait
    point["invoice"] = invoice_latency(rows, order_ids)
    return point
