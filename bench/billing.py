"""`python -m bench.billing`: the billing benchmark — payments, invoice PDFs, order → invoice.

For each mode (embedded: SQLite + in-process bus; services: PostgreSQL + NATS with separate
API, relay and worker processes) it starts the product in fresh storage the way
`bench.run` does, creates customers, products and open invoices through the API, and then,
in rounds:

- runs a closed-loop POST /billing/invoices/{id}/pay load at each concurrency, 1.00 per
  payment, the invoices taken round-robin so that concurrent payments never share an
  invoice (the test measures the payment path, not one row's lock);
- runs the order load (POST /orders) at one concurrency and reads from the outbox how long
  each order took to get its invoice (`order.created` → `invoice.issued`);
- places orders one at a time and waits for each one's `invoice.issued`.

It also renders a 3-line invoice in-process with `render_pdf` and times the served path,
GET /billing/invoices/{id}/pdf, for a version not rendered yet and for a stored one.
Results go to bench/results/<date>-billing.json and a section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shlex
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench import load, machine, report, servers
from bench.run import pg_parts
from bench.stats import median_of, summary_ms

RESULTS = Path(__file__).resolve().parent / "results"
DOCS = machine.ROOT / "docs" / "PERFORMANCE.md"
JSON = {"Content-Type": "application/json"}
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


def log(message: str) -> None:
    print(f"[billing {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.billing", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--mode", choices=("embedded", "services", "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="a short smoke run of the harness")
    parser.add_argument("--duration", type=float, help="seconds measured per load point (5)")
    parser.add_argument("--warmup", type=float, help="seconds of unrecorded load per point (1)")
    parser.add_argument("--rounds", type=int, help="rounds; medians are quoted (3)")
    parser.add_argument(
        "--concurrency", default="10,100", help="payment concurrencies, comma-separated (10,100)"
    )
    parser.add_argument(
        "--order-concurrency", type=int, default=10, help="order load for order → invoice (10)"
    )
    parser.add_argument("--invoices", type=int, help="open invoices paid round-robin (600)")
    parser.add_argument("--pdf-samples", type=int, help="in-process renders timed (100)")
    parser.add_argument("--served-samples", type=int, help="invoices fetched cold + cached (20)")
    parser.add_argument(
        "--probe-samples", type=int, help="orders per round placed one at a time (15)"
    )
    parser.add_argument(
        "--services-bus",
        choices=("auto", "nats", "embedded"),
        default="auto",
        help="bus of the services mode; auto = NATS when the backend exists",
    )
    parser.add_argument("--pg", default="postgres@127.0.0.1:5432", help="user@host:port (trust)")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="wait until the 1-minute load average is below this before a full run (1.5)",
    )
    parser.add_argument(
        "--load-wait", type=float, default=900, help="longest wait for --max-load, seconds (900)"
    )
    parser.add_argument("--keep", action="store_true", help="keep work directories and database")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument(
        "--render",
        type=Path,
        metavar="RESULT.json",
        help="measure nothing: rewrite the billing section of docs/PERFORMANCE.md from a "
        "saved result",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "duration": 2.0 if quick else 5.0,
        "warmup": 0.5 if quick else 1.0,
        "rounds": 1 if quick else 3,
        "invoices": 150 if quick else 600,
        "pdf_samples": 20 if quick else 100,
        "served_samples": 5 if quick else 20,
        "probe_samples": 5 if quick else 15,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    return args


def command_line(argv: list[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    return " ".join([".venv/bin/python -m bench.billing", *map(shlex.quote, args)])


async def wait_for_quiet(threshold: float, longest: float) -> dict[str, object]:
    """Wait (checking every 30 s) until the 1-minute load average is below `threshold`."""
    start = time.monotonic()
    first = machine.loadavg()
    while True:
        now = os.getloadavg()[0]
        waited = time.monotonic() - start
        if now < threshold:
            return {
                "threshold": threshold,
                "loadavg_before_wait": first,
                "waited_s": round(waited),
                "dropped_below": True,
            }
        if waited >= longest:
            return {
                "threshold": threshold,
                "loadavg_before_wait": first,
                "waited_s": round(waited),
                "dropped_below": False,
            }
        log(f"1-minute load average {now:.2f} ≥ {threshold}; waiting ({waited:.0f} s so far)")
        await asyncio.sleep(30)


# -- PDF in-process -----------------------------------------------------------------------
def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def sample_document() -> tuple[Any, Any]:
    """A realistic 3-line invoice (two tax rates) and the default company, as `render_pdf`
    gets them from `Documents`."""
    from pulse.billing.pdf import BillingDocument, Company, DocumentLine, TaxLine
    from pulse.platform.settings import Settings

    defaults = Settings.model_fields
    company = Company(
        name=defaults["company_name"].default,
        address=defaults["company_address"].default,
        tax_id="FR 12 345678901",
        email=defaults["company_email"].default,
        currency=defaults["currency"].default,
    )
    skus = ["BENCH-004", "SVC-ASSEMBLY", "DOC-MANUAL"]
    lines = []
    for sku, spec in zip(skus, INVOICE_LINES, strict=True):
        qty, price, rate = (
            Decimal(spec["qty"]),
            Decimal(spec["unit_price"]),
            Decimal(spec["tax_rate"]),
        )
        net = _money(qty * price)
        lines.append(
            DocumentLine(sku, spec["description"], qty, price, rate, net, _money(net * rate))
        )
    rates = sorted({x.tax_rate for x in lines})
    tax_lines = tuple(
        TaxLine(
            rate=r,
            base=sum((x.line_total for x in lines if x.tax_rate == r), Decimal("0.00")),
            tax=sum((x.line_tax for x in lines if x.tax_rate == r), Decimal("0.00")),
        )
        for r in rates
    )
    subtotal = sum((x.line_total for x in lines), Decimal("0.00"))
    tax = sum((x.line_tax for x in lines), Decimal("0.00"))
    paid = Decimal("100.00")
    document = BillingDocument(
        kind="invoice",
        number="INV-004217",
        issue_date=date(2026, 11, 23),
        due_date=date(2026, 12, 23),
        reference="Order SO-018342",
        customer_name="Hartmann & Söhne Maschinenbau GmbH",
        customer_email="accounts@hartmann-soehne.example",
        customer_address="Industriestraße 14\n70565 Stuttgart\nGermany",
        lines=tuple(lines),
        tax_lines=tax_lines,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        amount_paid=paid,
        balance_due=subtotal + tax - paid,
        status="partially_paid",
        note="Payment by bank transfer, quoting the invoice number.",
    )
    return document, company


def pdf_in_process(samples: int) -> dict[str, object]:
    """Wall and CPU time of `render_pdf` for one 3-line invoice, after a warm-up."""
    t0 = time.perf_counter()
    from pulse.billing.pdf import render_pdf

    import_s = time.perf_counter() - t0
    document, company = sample_document()
    t0 = time.perf_counter()
    data = render_pdf(document, company)
    first_s = time.perf_counter() - t0
    for _ in range(5):
        render_pdf(document, company)
    wall, cpu = [], []
    for _ in range(samples):
        c0, w0 = time.process_time(), time.perf_counter()
        render_pdf(document, company)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {
        "samples": samples,
        "wall_ms": summary_ms(wall),
        "cpu_ms_median": round(statistics.median(cpu) * 1000, 3),
        "first_render_ms": round(first_s * 1000, 3),
        "import_ms": round(import_s * 1000, 1),
        "bytes": len(data),
        "pages": data.count(b"/Type /Page\n") or data.count(b"/Type /Page") - 1,
        "document": "invoice of 3 lines (two tax rates), partially paid, with a note",
    }


# -- the database, read directly ------------------------------------------------------------
def _aware(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


Row = tuple[int, str, str, datetime, dict]


class Outbox:
    """Reads of the outbox and the `documents` consumer's inbox, on SQLite or PostgreSQL."""

    def __init__(self, deployment: servers.Deployment) -> None:
        self.sqlite_path = deployment.sqlite_path
        self.pg_dsn = deployment.pg_dsn
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self.sqlite_path is not None:
            self._sqlite = sqlite3.connect(
                f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30, check_same_thread=False
            )
        else:
            import asyncpg

            self._pg = await asyncpg.connect(self.pg_dsn)

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    async def _fetch(self, sql: str, *params: object) -> list[tuple]:
        async with self._lock:
            if self._sqlite is not None:
                conn = self._sqlite
                sql = re.sub(r"\$\d+", "?", sql)
                return await asyncio.to_thread(lambda: conn.execute(sql, params).fetchall())
            return [tuple(r) for r in await self._pg.fetch(sql, *params)]

    async def max_pk(self) -> int:
        rows = await self._fetch("SELECT coalesce(max(pk), 0) FROM outbox")
        return int(rows[0][0])

    async def rows(self, types: tuple[str, ...], after_pk: int) -> list[Row]:
        marks = ", ".join(f"${i}" for i in range(2, len(types) + 2))
        found = await self._fetch(
            "SELECT pk, type, aggregate_id, occurred_at, payload FROM outbox "
            f"WHERE pk > $1 AND type IN ({marks}) ORDER BY pk",
            after_pk,
            *types,
        )
        out = []
        for pk, type_, aggregate_id, occurred, payload in found:
            if isinstance(payload, (str, bytes)):
                payload = orjson.loads(payload)
            out.append((int(pk), type_, aggregate_id, _aware(occurred), payload))
        return out

    async def documents_backlog(self, after_pk: int) -> int:
        """Events since `after_pk` the `documents` consumer has not rendered a PDF for yet."""
        marks = ", ".join(f"${i}" for i in range(2, len(DOCUMENT_EVENTS) + 2))
        rows = await self._fetch(
            f"SELECT count(*) FROM outbox o WHERE o.pk > $1 AND o.type IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM processed_events p "
            "WHERE p.consumer = 'documents' AND p.event_id = o.id)",
            after_pk,
            *DOCUMENT_EVENTS,
        )
        return int(rows[0][0])

    async def wait_documents(self, after_pk: int, timeout: float = 300) -> tuple[bool, float]:
        start = time.perf_counter()
        while True:
            if await self.documents_backlog(after_pk) == 0:
                return True, round(time.perf_counter() - start, 3)
            if time.perf_counter() - start > timeout:
                return False, round(time.perf_counter() - start, 3)
            await asyncio.sleep(0.1)


# -- a closed loop over any endpoint ----------------------------------------------------------
@dataclass
class LoopResult:
    concurrency: int
    duration_s: float
    latencies: list[float]
    statuses: dict[int, int]
    exceptions: dict[str, int]
    failed_samples: list[dict]
    wall_start: float
    client_cpu_s: float
    ok_including_warmup: int = 0
    ok_status: int = 201

    @property
    def ok(self) -> int:
        return self.statuses.get(self.ok_status, 0)

    @property
    def errors(self) -> int:
        bad = sum(n for code, n in self.statuses.items() if code != self.ok_status)
        return bad + sum(self.exceptions.values())

    def summary(self) -> dict[str, object]:
        total = len(self.latencies)
        return {
            "concurrency": self.concurrency,
            "requests": total,
            "ok": self.ok,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "exceptions": self.exceptions,
            "failed_samples": self.failed_samples,
            "duration_s": round(self.duration_s, 3),
            "throughput_rps": round(self.ok / self.duration_s, 1) if self.duration_s else None,
            "latency_ms": summary_ms(self.latencies),
            "client_cpu_ms_per_request": round(self.client_cpu_s / total * 1000, 3)
            if total
            else None,
        }


async def closed_loop(
    base_url: str,
    token: str,
    next_request: Callable[[], tuple[str, bytes]],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    ok_status: int = 201,
    finished: Callable[[str], None] | None = None,
) -> LoopResult:
    """`concurrency` workers, each POSTing `next_request()` as soon as its answer arrives;
    the same windowing as `bench.load.closed_loop` (warm-up unrecorded, then `duration`)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    exceptions: dict[str, int] = {}
    failed: list[dict] = []
    session = load.session_for(base_url, token, concurrency)
    loop_start = time.perf_counter()
    measure_start = loop_start + warmup
    end = measure_start + duration
    last_done = measure_start
    cpu_before = 0.0
    wall_start = 0.0
    warmup_ok = 0

    async def worker() -> None:
        nonlocal last_done, warmup_ok
        while True:
            t0 = time.perf_counter()
            if t0 >= end:
                return
            path, body = next_request()
            try:
                async with session.post(path, data=body, headers=JSON) as resp:
                    data = await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                if finished is not None:
                    finished(path)
                name = type(exc).__name__
                exceptions[name] = exceptions.get(name, 0) + 1
                if len(failed) < 5:
                    failed.append({"request": f"POST {path}", "body": body.decode(), "error": name})
                continue
            t1 = time.perf_counter()
            if finished is not None:
                finished(path)
            if status != ok_status and len(failed) < 5:
                failed.append(
                    {
                        "request": f"POST {path}",
                        "body": body.decode(),
                        "status": status,
                        "response": data[:500].decode(errors="replace"),
                    }
                )
            if t0 < measure_start:
                warmup_ok += status == ok_status
                continue
            latencies.append(t1 - t0)
            statuses[status] = statuses.get(status, 0) + 1
            last_done = max(last_done, t1)

    async def mark_window() -> None:
        nonlocal cpu_before, wall_start
        await asyncio.sleep(max(0.0, measure_start - time.perf_counter()))
        cpu_before = load.client_cpu_seconds()
        wall_start = time.time()

    try:
        await asyncio.gather(mark_window(), *(worker() for _ in range(concurrency)))
    finally:
        await session.close()
    return LoopResult(
        concurrency=concurrency,
        duration_s=max(last_done - measure_start, 1e-9),
        latencies=latencies,
        statuses=statuses,
        exceptions=exceptions,
        failed_samples=failed,
        wall_start=wall_start,
        client_cpu_s=load.client_cpu_seconds() - cpu_before,
        ok_including_warmup=warmup_ok + statuses.get(ok_status, 0),
        ok_status=ok_status,
    )


# -- setup ----------------------------------------------------------------------------------
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


def invoice_latency(rows: list[Row], order_ids: list[str]) -> dict[str, object]:
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
    outbox: Outbox, after_pk: int, order_ids: list[str], timeout: float
) -> tuple[bool, float, list[Row]]:
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
    outbox: Outbox,
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


def _spans(rows: list[Row], order_ids: list[str]) -> list[float]:
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


# -- one mode -------------------------------------------------------------------------------
def _per_process_pct(before: dict, after: dict, seconds: float) -> dict[str, float]:
    return {
        n: round((after[n] - before[n]) / seconds * 100, 1)
        for n in before
        if before[n] is not None and after.get(n) is not None
    }


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle, sum(fields[:8])


def _busy_pct(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total * 100, 1) if total > 0 else None


@dataclass
class Meter:
    """Server CPU per process, the machine's CPU and the server's wait for a CPU, now."""

    deployment: servers.Deployment
    cpu: dict = field(default_factory=dict)
    sched: dict = field(default_factory=dict)
    jiffies: tuple[int, int] = (0, 0)
    t: float = 0.0

    def __post_init__(self) -> None:
        self.cpu = self.deployment.cpu()
        self.sched = self.deployment.sched()
        self.jiffies = machine_jiffies()
        self.t = time.perf_counter()

    def since(self, start: Meter) -> dict[str, object]:
        seconds = self.t - start.t
        per = _per_process_pct(start.cpu, self.cpu, seconds)
        waiting = {
            n: round((self.sched[n][1] - start.sched[n][1]) / seconds * 100, 1)
            for n in start.sched
            if start.sched[n] and self.sched.get(n)
        }
        return {
            "server_cpu_pct": round(sum(per.values()), 1) if per else None,
            "server_cpu_pct_per_process": per,
            "waiting_for_cpu_pct": max(waiting.values(), default=None),
            "machine_cpu_busy_pct": _busy_pct(start.jiffies, self.jiffies),
        }

    def cpu_seconds_since(self, start: Meter) -> float:
        return sum(
            self.cpu[n] - start.cpu[n]
            for n in start.cpu
            if start.cpu[n] is not None and self.cpu.get(n) is not None
        )


async def sample_sessions(dsn: str, seconds: float, delay: float) -> dict[str, object]:
    """PostgreSQL sessions of the run's database, sampled every 50 ms for `seconds` after
    `delay`: the mean number idle in a transaction (waiting for a Pulse process to send the
    next statement), waiting for a lock, and otherwise active."""
    import asyncpg

    await asyncio.sleep(delay)
    conn = await asyncpg.connect(dsn)
    counts: dict[str, int] = {"idle_in_transaction": 0, "lock_wait": 0, "active": 0}
    locks: dict[str, int] = {}
    samples = 0
    end = time.perf_counter() + seconds
    try:
        while time.perf_counter() < end:
            rows = await conn.fetch(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            samples += 1
            for state, wait_type, wait_event in rows:
                if state == "idle in transaction":
                    counts["idle_in_transaction"] += 1
                elif state == "active" and wait_type in ("Lock", "LWLock"):
                    counts["lock_wait"] += 1
                    key = f"{wait_type}:{wait_event}"
                    locks[key] = locks.get(key, 0) + 1
                elif state == "active":
                    counts["active"] += 1
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return {
        "samples": samples,
        **{f"mean_{k}": round(v / samples, 2) if samples else None for k, v in counts.items()},
        "lock_waits": {k: round(v / samples, 3) for k, v in locks.items()} if samples else {},
    }


async def payment_point(
    deployment: servers.Deployment,
    token: str,
    invoices: Invoices,
    outbox: Outbox,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> dict[str, object]:
    watermark = await outbox.max_pk()
    shared_before = invoices.shared
    sampler = None
    if deployment.pg_dsn is not None:
        sampler = asyncio.create_task(
            sample_sessions(deployment.pg_dsn, seconds=duration * 0.9, delay=warmup)
        )
    start = Meter(deployment)
    result = await closed_loop(
        deployment.base_url,
        token,
        invoices.next_payment,
        concurrency=concurrency,
        duration=duration,
        warmup=warmup,
        finished=invoices.finished,
    )
    loaded = Meter(deployment)
    drained, waited = await outbox.wait_documents(watermark)
    done = Meter(deployment)
    point = result.summary()
    point.update(loaded.since(start))
    total = result.ok_including_warmup
    cpu_ms = done.cpu_seconds_since(start) * 1000
    point["server_cpu_ms_per_payment"] = round(cpu_ms / total, 2) if total else None
    point["pdfs_drained"] = drained
    point["payments_sharing_an_invoice_in_flight"] = invoices.shared - shared_before
    point["pdf_drain_s"] = waited
    point["loadavg_after"] = machine.loadavg()
    if sampler is not None:
        point["pg_sessions"] = await sampler
    return point


async def order_point(
    deployment: servers.Deployment,
    token: str,
    payloads: list[bytes],
    outbox: Outbox,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> dict[str, object]:
    watermark = await outbox.max_pk()
    start = Meter(deployment)
    result = await load.closed_loop(
        deployment.base_url,
        token,
        payloads,
        concurrency=concurrency,
        duration=duration,
        warmup=warmup,
    )
    loaded = Meter(deployment)
    done, waited, rows = await wait_invoiced(outbox, watermark, result.order_ids, timeout=180)
    drained, pdf_wait = await outbox.wait_documents(watermark)
    point = result.summary()
    point.update(loaded.since(start))
    point["all_invoiced"] = done
    point["invoice_backlog_drain_s"] = round(waited, 3)
    point["pdf_drain_s"] = pdf_wait
    point["invoice"] = invoice_latency(rows, result.order_ids)
    point["loadavg_after"] = machine.loadavg()
    return point


def _median_per_process(points: list[dict]) -> dict[str, float | None]:
    names = {n for p in points for n in p["server_cpu_pct_per_process"]}
    return {
        n: median_of(p["server_cpu_pct_per_process"].get(n) for p in points) for n in sorted(names)
    }


def summarise(points: list[dict], orders: list[dict], probes: list[dict]) -> dict:
    payments: dict[str, dict] = {}
    for conc in sorted({p["concurrency"] for p in points}):
        mine = [p for p in points if p["concurrency"] == conc]
        payments[str(conc)] = {
            "payments_per_s": median_of(p["throughput_rps"] for p in mine),
            "p50": median_of(p["latency_ms"]["p50"] for p in mine),
            "p95": median_of(p["latency_ms"]["p95"] for p in mine),
            "p99": median_of(p["latency_ms"]["p99"] for p in mine),
            "errors_total": sum(p["errors"] for p in mine),
            "payments_total": sum(p["ok"] for p in mine),
            "server_cpu_pct": median_of(p["server_cpu_pct"] for p in mine),
            "server_cpu_pct_per_process": _median_per_process(mine),
            "waiting_for_cpu_pct": median_of(p["waiting_for_cpu_pct"] for p in mine),
            "machine_cpu_busy_pct": median_of(p["machine_cpu_busy_pct"] for p in mine),
            "server_cpu_ms_per_payment": median_of(p["server_cpu_ms_per_payment"] for p in mine),
            "pdf_drain_s": median_of(p["pdf_drain_s"] for p in mine),
            "sharing_an_invoice": sum(p["payments_sharing_an_invoice_in_flight"] for p in mine),
            "pg_idle_in_transaction": median_of(
                p.get("pg_sessions", {}).get("mean_idle_in_transaction") for p in mine
            ),
            "pg_lock_wait": median_of(p.get("pg_sessions", {}).get("mean_lock_wait") for p in mine),
            "pg_active": median_of(p.get("pg_sessions", {}).get("mean_active") for p in mine),
            "round_values": [p["throughput_rps"] for p in mine],
            "rounds": len(mine),
        }
    under_load = None
    if orders:
        under_load = {
            "concurrency": orders[0]["concurrency"],
            "orders_per_s": median_of(p["throughput_rps"] for p in orders),
            "post_p50": median_of(p["latency_ms"]["p50"] for p in orders),
            "post_p95": median_of(p["latency_ms"]["p95"] for p in orders),
            "errors_total": sum(p["errors"] for p in orders),
            "p50": median_of(p["invoice"]["created_to_invoice_issued_ms"]["p50"] for p in orders),
            "p95": median_of(p["invoice"]["created_to_invoice_issued_ms"]["p95"] for p in orders),
            "p99": median_of(p["invoice"]["created_to_invoice_issued_ms"]["p99"] for p in orders),
            "invoices_per_s": median_of(p["invoice"]["invoices_per_s"] for p in orders),
            "to_confirmed_p50": median_of(
                p["invoice"]["created_to_confirmed_ms"]["p50"] for p in orders
            ),
            "confirmed_to_invoice_p50": median_of(
                p["invoice"]["confirmed_to_invoice_issued_ms"]["p50"] for p in orders
            ),
            "invoiced": sum(p["invoice"]["invoiced"] for p in orders),
            "orders": sum(p["invoice"]["orders"] for p in orders),
            "drain_s": median_of(p["invoice_backlog_drain_s"] for p in orders),
            "pdf_drain_s": median_of(p["pdf_drain_s"] for p in orders),
            "server_cpu_pct_per_process": _median_per_process(orders),
            "machine_cpu_busy_pct": median_of(p["machine_cpu_busy_pct"] for p in orders),
            "rounds": len(orders),
        }
    one_at_a_time = None
    if probes:
        server = summary_ms(v for p in probes for v in p["server_side_s"])
        client = summary_ms(v for p in probes for v in p["client_seen_s"])
        one_at_a_time = {
            "samples": server["count"],
            "p50": server["p50"],
            "p95": server["p95"],
            "p99": server["p99"],
            "client_p50": client["p50"],
            "client_p95": client["p95"],
            "post_p50": median_of(p["post_ms"]["p50"] for p in probes),
            "to_confirmed_p50": median_of(
                p["server_side"]["created_to_confirmed_ms"]["p50"] for p in probes
            ),
            "confirmed_to_invoice_p50": median_of(
                p["server_side"]["confirmed_to_invoice_issued_ms"]["p50"] for p in probes
            ),
            "placed": sum(p["post_ms"]["count"] for p in probes),
            "failures": sum(sum(p["failures"].values()) for p in probes),
        }
    return {"payments": payments, "order_to_invoice": under_load, "one_at_a_time": one_at_a_time}


async def measure(
    deployment: servers.Deployment, args: argparse.Namespace, run_id: str
) -> dict[str, object]:
    token = load.mint_token(deployment.env["PULSE_JWT_SECRET"])
    deployment.start()
    await servers.wait_ready(deployment)
    out: dict[str, object] = {}
    outbox = Outbox(deployment)
    await outbox.open()
    try:
        log(f"{deployment.mode}: ready at {deployment.base_url}; creating customers and products")
        async with load.session_for(deployment.base_url, token, 8) as session:
            fixtures = await load.seed(session, run_id)
            fixtures.make_payloads(lines=3)
            check = await invoice_probe(session, outbox, fixtures.payloads, samples=1, timeout=30)
            if check["failures"] or not check["client_seen_ms"]["count"]:
                tails = "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in deployment.procs)
                raise RuntimeError(f"an order got no invoice: {check['failures']}\n{tails}")
            log(
                f"{deployment.mode}: order → invoice works ({check['client_seen_ms']['p50']:.1f} "
                f"ms); creating {args.invoices} open invoices"
            )
            watermark = await outbox.max_pk()
            invoices, took = await create_invoices(session, fixtures.customers, args.invoices)
            drained, waited = await outbox.wait_documents(watermark)
            out["setup"] = {
                "invoices": len(invoices.ids),
                "invoice_total": invoices.total,
                "invoice_create_s": round(took, 2),
                "invoices_created_per_s": round(len(invoices.ids) / took, 1),
                "pdf_drain_s": waited,
            }
            log(
                f"{deployment.mode}: {len(invoices.ids)} invoices of {invoices.total} in "
                f"{took:.1f} s; their PDFs done {waited:.1f} s later; warming up"
            )
        await closed_loop(
            deployment.base_url,
            token,
            invoices.next_payment,
            concurrency=10,
            duration=max(1.0, args.warmup * 2),
            warmup=0,
            finished=invoices.finished,
        )
        await load.closed_loop(
            deployment.base_url, token, fixtures.payloads, concurrency=10, duration=1, warmup=0
        )
        await outbox.wait_documents(0)
        points: list[dict] = []
        orders: list[dict] = []
        probes: list[dict] = []
        async with load.session_for(deployment.base_url, token, 4) as session:
            await load.wait_drained(session, timeout=120)
            for round_no in range(1, args.rounds + 1):
                for conc in args.concurrencies:
                    point = await payment_point(
                        deployment,
                        token,
                        invoices,
                        outbox,
                        concurrency=conc,
                        duration=args.duration,
                        warmup=args.warmup,
                    )
                    point["round"] = round_no
                    points.append(point)
                    lat = point["latency_ms"]
                    log(
                        f"{deployment.mode} round {round_no} pay c={conc}: "
                        f"{point['throughput_rps']} payments/s, p50 {lat['p50']} p95 "
                        f"{lat['p95']} ms, errors {point['errors']}; server CPU "
                        f"{point['server_cpu_pct']} %; PDFs caught up {point['pdf_drain_s']} s "
                        "after"
                    )
                    for sample in point["failed_samples"]:
                        log(f"  failed: {sample}")
                point = await order_point(
                    deployment,
                    token,
                    fixtures.payloads,
                    outbox,
                    concurrency=args.order_concurrency,
                    duration=args.duration,
                    warmup=args.warmup,
                )
                point["round"] = round_no
                orders.append(point)
                inv = point["invoice"]["created_to_invoice_issued_ms"]
                log(
                    f"{deployment.mode} round {round_no} orders c={args.order_concurrency}: "
                    f"{point['throughput_rps']} orders/s, order → invoice p50 {inv['p50']} p95 "
                    f"{inv['p95']} ms ({point['invoice']['invoiced']}/"
                    f"{point['invoice']['orders']} invoiced)"
                )
                await load.wait_drained(session, timeout=120)
                probe = await invoice_probe(
                    session,
                    outbox,
                    fixtures.payloads,
                    samples=args.probe_samples,
                    offset=round_no * 100,
                )
                probe["round"] = round_no
                probes.append(probe)
                await outbox.wait_documents(0)
                log(
                    f"{deployment.mode} round {round_no} one order at a time: invoice.issued "
                    f"p50 {probe['server_side']['created_to_invoice_issued_ms']['p50']} ms "
                    f"(server), seen by the client p50 {probe['client_seen_ms']['p50']} ms"
                )
            objects = Path(deployment.env["PULSE_DATA_DIR"]) / "objects"
            out["pdf_served"] = await served_pdf(
                session, invoices, objects, samples=args.served_samples
            )
            served = out["pdf_served"]
            log(
                f"{deployment.mode}: GET pdf not rendered yet p50 {served['cold_ms']['p50']} ms, "
                f"stored p50 {served['cached_ms']['p50']} ms; failures {served['failures']}"
            )
        out.update(
            {
                "payment_points": points,
                "order_points": orders,
                "probes": probes,
                "summary": summarise(points, orders, probes),
                "memory": deployment.memory(),
                "processes_alive_at_end": not deployment.dead(),
                "loadavg_after": machine.loadavg(),
            }
        )
    finally:
        await outbox.close()
    return out


async def run_embedded(args: argparse.Namespace) -> dict[str, object]:
    result: dict[str, object] = {"mode": "embedded", "loadavg_start": machine.loadavg()}
    run_id = f"{datetime.now(UTC):%Y%m%d%H%M%S}{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="pulse-bench-billing-"))
    deployment = servers.embedded(workdir, secrets.token_urlsafe(32))
    result["wiring"] = deployment.wiring
    try:
        result.update(await measure(deployment, args, run_id))
        result["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failed mode is reported, not raised
        result["status"] = "failed"
        result["error"] = str(exc)[-3000:]
        log(f"embedded: FAILED: {exc}")
    finally:
        result["exit_codes"] = deployment.stop()
        if args.keep:
            log(f"embedded: work directory kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


async def run_services(args: argparse.Namespace) -> dict[str, object]:
    bus = args.services_bus
    if bus == "auto":
        bus = "nats" if servers.nats_backend_present() else "embedded"
    result: dict[str, object] = {"mode": "services", "bus": bus, "loadavg_start": machine.loadavg()}
    run_id = f"{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}_billing"
    workdir = Path(tempfile.mkdtemp(prefix="pulse-bench-billing-services-"))
    pg = pg_parts(args.pg)
    admin_dsn = f"postgresql://{pg['user']}@{pg['host']}:{pg['port']}/postgres"
    deployment = None
    try:
        deployment = await servers.services(
            workdir,
            secrets.token_urlsafe(32),
            admin_dsn=admin_dsn,
            pg_host=f"{pg['user']}@{pg['host']}:{pg['port']}",
            run_id=run_id,
            bus=bus,
            nats_url=args.nats_url,
        )
        result["wiring"] = deployment.wiring
        result.update(await measure(deployment, args, run_id))
        result["status"] = "ok"
    except Exception as exc:  # noqa: BLE001
        result["status"] = "failed"
        result["error"] = str(exc)[-3000:]
        log(f"services: FAILED: {exc}")
    finally:
        if deployment is not None:
            result["exit_codes"] = deployment.stop()
            if deployment.nats_stream:
                await servers.delete_nats_stream(args.nats_url, deployment.nats_stream)
            if deployment.database_name and not args.keep:
                with contextlib.suppress(Exception):
                    await servers.drop_database(admin_dsn, deployment.database_name)
        if args.keep:
            log(f"services: work directory kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


# -- the report -----------------------------------------------------------------------------
def _fmt(value: object, digits: int = 1) -> str:
    return report._fmt(value, digits)


TITLES = {
    "embedded": "embedded (SQLite + in-process bus, one `pulse serve` process)",
    "services": "services (PostgreSQL + NATS; `pulse serve`, `pulse relay`, `pulse worker all`)",
}


def console_summary(result: dict) -> str:
    pdf = result.get("pdf_in_process") or {}
    lines = [
        f"== billing, load avg at start {result.get('loadavg_start')}",
        f"  render_pdf (3 lines, in-process): median {_fmt(pdf.get('wall_ms', {}).get('p50'), 2)}"
        f" ms, p95 {_fmt(pdf.get('wall_ms', {}).get('p95'), 2)} ms",
    ]
    for mode, res in result.get("modes", {}).items():
        lines.append(f"  -- {mode} ({res.get('status')})")
        if res.get("error"):
            lines.append("     error: " + res["error"].splitlines()[0])
            continue
        s = res["summary"]
        for conc, row in s["payments"].items():
            lines.append(
                f"     pay c={conc:>3}: {_fmt(row['payments_per_s'])} payments/s, p50 "
                f"{_fmt(row['p50'], 2)} p95 {_fmt(row['p95'], 2)} ms, errors {row['errors_total']}"
            )
        served = res["pdf_served"]
        lines.append(
            f"     GET pdf: not rendered yet p50 {_fmt(served['cold_ms']['p50'], 2)} ms, stored "
            f"p50 {_fmt(served['cached_ms']['p50'], 2)} ms"
        )
        one = s["one_at_a_time"]
        lines.append(
            f"     order → invoice.issued one at a time: p50 {_fmt(one['p50'])} p95 "
            f"{_fmt(one['p95'])} ms"
        )
        ul = s["order_to_invoice"]
        lines.append(
            f"     order → invoice.issued at c={ul['concurrency']}: p50 {_fmt(ul['p50'])} p95 "
            f"{_fmt(ul['p95'])} ms ({_fmt(ul['orders_per_s'])} orders/s)"
        )
    return "\n".join(lines)


def _per_process(row: dict) -> str:
    per = row.get("server_cpu_pct_per_process") or {}
    if len(per) <= 1:
        return _fmt(next(iter(per.values()), None), 0)
    short = {name: name.split()[1] for name in per}
    total = sum(v for v in per.values() if v is not None)
    return (
        f"{_fmt(total, 0)} (" + ", ".join(f"{short[n]} {_fmt(v, 0)}" for n, v in per.items()) + ")"
    )


def _mode_block(mode: str, res: dict, result: dict) -> list[str]:
    out = [f"### {TITLES[mode]}", ""]
    wiring = res.get("wiring") or {}
    if wiring:
        out.append(
            f"Wiring: {wiring.get('database')}; bus: {wiring.get('bus')}. Load average at the "
            f"start of the mode {res.get('loadavg_start')}, at its end {res.get('loadavg_after')}."
        )
        out.append("")
    if res.get("status") != "ok":
        return [*out, "**The run failed:**", "", "```", res.get("error", "")[:1500], "```", ""]
    s = res["summary"]
    setup = res["setup"]
    settings = result["settings"]
    out += [
        "**Payments** — POST /billing/invoices/{id}/pay, closed loop, 1.00 by card per payment. "
        f"{setup['invoices']} open invoices of {setup['invoice_total']} (3 lines) taken "
        "round-robin: small amounts spread over many invoices, so the payments in flight at "
        "any moment are on different invoices and no payment waits for another's row lock "
        f"(checked: {sum(r['sharing_an_invoice'] for r in s['payments'].values())} payments "
        "started while another on the same invoice was in flight). "
        "A payment bumps the invoice's revision; the new PDF version is rendered when "
        "someone asks for it, not by the payment. “Server CPU ms/payment” counts from the "
        "start of the point until the consumers caught up; “PDFs caught up after” is how "
        "long after the load stopped the `documents` consumer had nothing left.",
        "",
        "| concurrency | payments/s | p50 ms | p95 ms | p99 ms | errors | payments (all "
        "rounds) | server CPU % (per process) | machine CPU busy % | server CPU ms/payment | "
        "PDFs caught up after (s) | payments/s per round |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for conc, row in s["payments"].items():
        out.append(
            f"| {conc} | {_fmt(row['payments_per_s'])} | {_fmt(row['p50'], 2)} | "
            f"{_fmt(row['p95'], 2)} | {_fmt(row['p99'], 2)} | {row['errors_total']} | "
            f"{_fmt(row['payments_total'])} | {_per_process(row)} | "
            f"{_fmt(row['machine_cpu_busy_pct'], 0)} | "
            f"{_fmt(row['server_cpu_ms_per_payment'], 2)} | {_fmt(row['pdf_drain_s'], 2)} | "
            + ", ".join(_fmt(v) for v in row["round_values"])
            + " |"
        )
    served = res["pdf_served"]
    out += [
        "",
        "**Invoice PDF, served** — GET /billing/invoices/{id}/pdf of the 3-line invoices above. "
        "“Not rendered yet”: the stored PDF of the invoice's current version is deleted from "
        "the object store (local folder) first, so the request renders it on the spot and "
        f"stores it; “stored”: {served['cached_reads_per_invoice']} more GETs of the same "
        "version, read from the store.",
        "",
        "| invoices | not rendered yet p50 ms | p95 ms | stored p50 ms | p95 ms | PDF bytes | "
        "failures |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {served['cold_ms']['count']} | {_fmt(served['cold_ms']['p50'], 2)} | "
        f"{_fmt(served['cold_ms']['p95'], 2)} | {_fmt(served['cached_ms']['p50'], 2)} | "
        f"{_fmt(served['cached_ms']['p95'], 2)} | {_fmt(served['bytes_median'])} | "
        f"{len(served['failures'])} |",
    ]
    one = s["one_at_a_time"]
    ul = s["order_to_invoice"]
    out += [
        "",
        "**Order → invoice issued** — from `order.created` to `invoice.issued` in the outbox "
        "(`occurred_at` of both; `invoice.issued`'s payload names the order). The order is "
        "placed, reserved, confirmed and then invoiced by the `billing` consumer.",
        "",
        "| load | orders | p50 ms | p95 ms | p99 ms | created → confirmed p50 | confirmed → "
        "invoice issued p50 | seen by the client p50 ms | POST /orders p50 ms | orders/s | "
        "invoiced / placed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| one order at a time | {one['samples']} | {_fmt(one['p50'])} | {_fmt(one['p95'])} | "
        f"{_fmt(one['p99'])} | {_fmt(one['to_confirmed_p50'])} | "
        f"{_fmt(one['confirmed_to_invoice_p50'])} | {_fmt(one['client_p50'])} | "
        f"{_fmt(one['post_p50'], 2)} | — | {one['samples']} / {one['placed']} |",
        f"| POST /orders closed loop, concurrency {ul['concurrency']} | {_fmt(ul['orders'])} | "
        f"{_fmt(ul['p50'])} | {_fmt(ul['p95'])} | {_fmt(ul['p99'])} | "
        f"{_fmt(ul['to_confirmed_p50'])} | {_fmt(ul['confirmed_to_invoice_p50'])} | — | "
        f"{_fmt(ul['post_p50'], 2)} | {_fmt(ul['orders_per_s'])} | "
        f"{_fmt(ul['invoiced'])} / {_fmt(ul['orders'])} |",
        "",
        "One at a time: the client posts an order, then reads the outbox every 2 ms until the "
        f"order's `invoice.issued` is committed (“seen by the client”); {settings['probe_samples']}"
        " orders per round, pooled. Under load the p50/p95/p99 are medians over the rounds of "
        "each round's percentiles; during the order load the server used "
        f"{_per_process(ul)} % CPU, the machine was {_fmt(ul['machine_cpu_busy_pct'], 0)} % "
        f"busy, and the last invoice was issued {_fmt(ul['drain_s'], 2)} s after the load "
        "stopped (median).",
        "",
    ]
    mem = res.get("memory", {}).get("processes", {})
    if mem:
        out.append(
            "Peak RSS: "
            + ", ".join(f"`{k}` {_fmt(v['peak_rss_mib'])} MiB" for k, v in mem.items())
            + "."
        )
        out.append("")
    return out


def markdown(result: dict) -> str:
    m = result["machine"]
    s = result["settings"]
    pdf = result["pdf_in_process"]
    wait = result.get("load_wait") or {}
    out = [
        report.BILLING_START,
        "",
        "## Billing — payments, invoice PDFs, order → invoice",
        "",
        "Generated by `bench/billing.py`; the order benchmark's rewrite of this file keeps this "
        "section, and the billing benchmark's rewrite replaces only it.",
        "",
        f"- Date (UTC): {result['started_at']}; command: `{result['command']}`"
        + (" (**quick run**)" if result.get("quick") else ""),
        f"- Machine: {m['cpu_model']}, {m['nproc']} logical CPUs, {m['ram_gib']} GiB RAM, "
        f"{m['os']}, Python {m['python']}, commit {m.get('git_commit')} with "
        f"{m.get('git_uncommitted_files')} uncommitted tracked files. The machine is shared "
        "and noisy (other work, tests); the load generator runs on it too.",
    ]
    if wait:
        state = (
            f"below {wait['threshold']} after waiting {wait['waited_s']} s"
            if wait["dropped_below"]
            else f"**never below {wait['threshold']}** in {wait['waited_s']} s: run anyway"
        )
        out.append(
            f"- 1-minute load average before the run {wait['loadavg_before_wait'][0]}; {state}. "
            f"Load average (1, 5, 15 min) at start {result['loadavg_start']}, at the end "
            f"{result.get('loadavg_end')}."
        )
    else:
        out.append(
            f"- Load average (1, 5, 15 min) at start {result['loadavg_start']}, at the end "
            f"{result.get('loadavg_end')}."
        )
    out += [
        f"- {s['rounds']} round(s); each load point {s['warmup_s']:g} s warm-up + "
        f"{s['duration_s']:g} s measured; quoted values are medians over the rounds. Client: "
        "aiohttp, one process, closed loop (`bench/load.py`); admin token minted as in "
        "`bench.run`.",
        "",
        "| | embedded | services |",
        "| --- | ---: | ---: |",
    ]
    modes = result.get("modes", {})

    def cell(mode: str, pick: Callable[[dict], object], digits: int = 1) -> str:
        res = modes.get(mode)
        if res is None:
            return "not run"
        if res.get("status") != "ok":
            return "failed"
        return _fmt(pick(res["summary"]), digits)

    def row(label: str, pick: Callable[[dict], object], digits: int = 1) -> str:
        return f"| {label} | {cell('embedded', pick, digits)} | {cell('services', pick, digits)} |"

    for conc in s["concurrency"]:
        c = str(conc)
        out.append(
            row(f"payments/s at concurrency {c}", lambda x, c=c: x["payments"][c]["payments_per_s"])
        )
        out.append(
            row(
                f"payment p50 / p95 ms at concurrency {c}",
                lambda x, c=c: (
                    f"{_fmt(x['payments'][c]['p50'], 1)} / {_fmt(x['payments'][c]['p95'], 1)}"
                ),
            )
        )
    out.append(
        row(
            "payment errors (all rounds and concurrencies)",
            lambda x: sum(r["errors_total"] for r in x["payments"].values()),
        )
    )
    out.append(
        row(
            "order → invoice issued p50 / p95 ms, one at a time",
            lambda x: f"{_fmt(x['one_at_a_time']['p50'])} / {_fmt(x['one_at_a_time']['p95'])}",
        )
    )
    out.append(
        row(
            f"order → invoice issued p50 / p95 ms, order load at concurrency "
            f"{s['order_concurrency']}",
            lambda x: (
                f"{_fmt(x['order_to_invoice']['p50'])} / {_fmt(x['order_to_invoice']['p95'])}"
            ),
        )
    )

    def served(mode: str, key: str) -> str:
        res = modes.get(mode)
        if res is None:
            return "not run"
        if res.get("status") != "ok":
            return "failed"
        return _fmt(res["pdf_served"][key]["p50"], 1)

    out.append(
        f"| GET invoice PDF p50 ms, version not rendered yet | {served('embedded', 'cold_ms')} | "
        f"{served('services', 'cold_ms')} |"
    )
    out.append(
        f"| GET invoice PDF p50 ms, stored version | {served('embedded', 'cached_ms')} | "
        f"{served('services', 'cached_ms')} |"
    )
    out += [
        "",
        f"**`render_pdf`, in-process** ({pdf['document']}; {pdf['samples']} renders after a "
        f"warm-up, in the benchmark process before any server runs): median "
        f"{_fmt(pdf['wall_ms']['p50'], 2)} ms, p95 {_fmt(pdf['wall_ms']['p95'], 2)} ms, "
        f"{_fmt(pdf['cpu_ms_median'], 2)} ms CPU; {_fmt(pdf['bytes'])} bytes. The very first "
        f"render in a process took {_fmt(pdf['first_render_ms'], 1)} ms.",
        "",
    ]
    if result.get("notes"):
        out += ["**What bounds these numbers**", ""]
        out += [f"- {n}" for n in result["notes"]]
        out.append("")
    for mode in ("embedded", "services"):
        if mode in modes:
            out += _mode_block(mode, modes[mode], result)
    if "services" not in modes:
        out += ["The services mode was not run.", ""]
    out += [report.BILLING_END]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def write_docs(block: str) -> None:
    previous = DOCS.read_text() if DOCS.exists() else ""
    if report.BILLING_START in previous and report.BILLING_END in previous:
        head, rest = previous.split(report.BILLING_START, 1)
        tail = rest.split(report.BILLING_END, 1)[1]
        text = head + block + tail
    else:
        text = previous.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text)


def _span(values: list[float | None], digits: int = 0) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "—"
    low, high = _fmt(min(present), digits), _fmt(max(present), digits)
    return low if low == high else f"{low}–{high}"


def bounds(result: dict) -> list[str]:
    """What the measured figures say bounds them; each sentence quotes its own numbers."""
    notes = []
    modes = result.get("modes", {})
    render_cpu = (result.get("pdf_in_process") or {}).get("cpu_ms_median")
    emb = modes.get("embedded")
    if emb and emb.get("status") == "ok":
        pay = emb["summary"]["payments"]
        cpus = [row["server_cpu_pct"] for row in pay.values()]
        busy = [row["machine_cpu_busy_pct"] for row in pay.values()]
        per_payment = [row["server_cpu_ms_per_payment"] for row in pay.values()]
        rates = ", ".join(f"{_fmt(r['payments_per_s'])}/s at {c}" for c, r in pay.items())
        p50s = ", ".join(f"{_fmt(r['p50'], 0)} ms at {c}" for c, r in pay.items())
        saturated = all(c is not None and c >= 85 for c in cpus)
        notes.append(
            "Embedded payments: each one is a write transaction (the invoice row locked and "
            "updated, the payment, a journal entry with two lines, the outbox row) through "
            "SQLite's single writer, in the one `pulse serve` process that also runs the "
            f"consumers. That process was at {_span(cpus)} % of a core during the payment "
            f"points (the machine {_span(busy)} % busy). "
            + (
                "So the rate is bound by that one process's CPU (one event loop, one "
                "writer), not by any invoice row: "
                if saturated
                else "Rates and latencies: "
            )
            + f"{rates}; p50 {p50s} — more concurrency only lengthens the queue."
        )
        if render_cpu and all(per_payment):
            notes.append(
                f"A payment costs {_span(per_payment, 1)} ms of server CPU; no PDF is rendered "
                "for it (the paid version renders on request, about "
                f"{_fmt(render_cpu, 1)} ms of CPU, in a render process)."
            )
    svc = modes.get("services")
    if svc and svc.get("status") == "ok":
        pay = svc["summary"]["payments"]
        busy = [row["machine_cpu_busy_pct"] for row in pay.values()]
        per = "; ".join(f"at {c}: {_per_process(r)} %" for c, r in pay.items())
        waiting = [row.get("waiting_for_cpu_pct") for row in pay.values()]
        idle_tx = [row.get("pg_idle_in_transaction") for row in pay.values()]
        lock_wait = [row.get("pg_lock_wait") for row in pay.values()]
        active = [row.get("pg_active") for row in pay.values()]
        full = all(b is not None and b >= 90 for b in busy)
        text = (
            "Services payments: the Pulse processes' CPU (per process) was "
            f"{per}; the whole machine was {_span(busy)} % busy and the busiest Pulse "
            f"process waited for a CPU {_span(waiting)} % of the time. "
        )
        if any(v is not None for v in idle_tx):
            text += (
                "PostgreSQL mostly waited for the Pulse processes: sampled every 50 ms, "
                f"{_span(idle_tx, 1)} of its sessions were on average idle inside a "
                "transaction (waiting for a Pulse process to send the next statement), "
                f"{_span(lock_wait, 2)} waiting for a lock and {_span(active, 1)} running. "
            )
        text += (
            "Both cores were busy with PostgreSQL, NATS, the three Pulse processes and the "
            "load generator, so CPU bounds the rate here, not a lock."
            if full
            else "The two cores were not both saturated."
        )
        tail = pay.get("100") or pay[max(pay, key=int)]
        if tail["p95"] and tail["p50"] and tail["p95"] > 2.5 * tail["p50"]:
            text += (
                f" At the highest concurrency the tail is long (p50 {_fmt(tail['p50'], 0)} "
                f"ms, p95 {_fmt(tail['p95'], 0)} ms, p99 {_fmt(tail['p99'], 0)} ms)"
                + (
                    " although no two payments in flight shared an invoice."
                    if tail.get("sharing_an_invoice") == 0
                    else f"; {tail.get('sharing_an_invoice')} payments there started while "
                    "another on the same invoice was in flight."
                )
            )
        notes.append(text)
        ul = svc["summary"]["order_to_invoice"]
        one = svc["summary"]["one_at_a_time"]
        if ul and one and ul["p50"] and one["p50"] and ul["p50"] > 5 * one["p50"]:
            notes.append(
                f"Services order → invoice under load: {_fmt(ul['p50'])} ms p50 against "
                f"{_fmt(one['p50'])} ms one at a time (p50 stages under load: created → "
                f"confirmed {_fmt(ul['to_confirmed_p50'])} ms, confirmed → invoice issued "
                f"{_fmt(ul['confirmed_to_invoice_p50'])} ms). The API accepted "
                f"{_fmt(ul['orders_per_s'])} orders/s but invoices were issued at "
                f"{_fmt(ul['invoices_per_s'])}/s (first order to last invoice): the "
                "consumers (reservation, confirmation, invoicing, PDF render) in the one "
                "`pulse worker all` process fell behind, "
                f"and the last invoice came {_fmt(ul['drain_s'], 1)} s after the load "
                "stopped. This is not a steady state — the backlog, and with it the latency, "
                f"grows for as long as the load lasts ({result['settings']['duration_s']:g} s "
                f"measured here). CPU during the load: {_per_process(ul)} %, machine "
                f"{_fmt(ul['machine_cpu_busy_pct'], 0)} % busy."
            )
    if emb and emb.get("status") == "ok":
        ul = emb["summary"]["order_to_invoice"]
        one = emb["summary"]["one_at_a_time"]
        if ul and one and ul["p50"] and one["p50"]:
            notes.append(
                f"Embedded order → invoice: {_fmt(one['p50'])} ms p50 one at a time, "
                f"{_fmt(ul['p50'])} ms under the order load at concurrency {ul['concurrency']} "
                f"({_fmt(ul['orders_per_s'])} orders/s accepted, "
                f"{_fmt(ul['invoices_per_s'])} invoices/s issued; the last invoice "
                f"{_fmt(ul['drain_s'], 2)} s after the load stopped): "
                + (
                    "the consumers keep up, but they "
                    if (ul["drain_s"] or 0) < 1
                    else "the consumers "
                )
                + "share the one process and the one writer with the requests, so each "
                "event waits its turn."
            )
    return notes


def save(result: dict, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{result['date']}-billing.json"
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return path


async def main_async(args: argparse.Namespace, argv: list[str] | None) -> int:
    load_wait = None
    if not args.quick:
        load_wait = await wait_for_quiet(args.max_load, args.load_wait)
        log(f"load wait: {load_wait}")
    result: dict[str, Any] = {
        "kind": "billing",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(argv),
        "quick": args.quick,
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "concurrency": args.concurrencies,
            "order_concurrency": args.order_concurrency,
            "invoices": args.invoices,
            "payment": orjson.loads(PAYMENT_BODY),
            "invoice_lines": INVOICE_LINES,
            "pdf_samples": args.pdf_samples,
            "served_samples": args.served_samples,
            "probe_samples": args.probe_samples,
            "order_lines": 3,
            "client": "aiohttp, one process, closed loop",
        },
        "machine": machine.describe(),
        "load_wait": load_wait,
        "loadavg_start": machine.loadavg(),
        "modes": {},
    }
    result["pdf_in_process"] = pdf_in_process(args.pdf_samples)
    log(
        f"render_pdf in-process: median {result['pdf_in_process']['wall_ms']['p50']} ms over "
        f"{args.pdf_samples}"
    )
    if args.mode in ("embedded", "all"):
        result["modes"]["embedded"] = await run_embedded(args)
    if args.mode in ("services", "all"):
        result["modes"]["services"] = await run_services(args)
    result["loadavg_end"] = machine.loadavg()
    result["notes"] = bounds(result)
    log(f"saved {save(result, args.results_dir)}")
    print(console_summary(result))
    if not args.no_docs:
        write_docs(markdown(result))
        log(f"wrote {DOCS}")
    return 0 if all(r.get("status") == "ok" for r in result["modes"].values()) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        result = orjson.loads(args.render.read_bytes())
        result["notes"] = bounds(result)
        write_docs(markdown(result))
        log(f"wrote {DOCS} from {args.render}")
        return 0
    started = time.perf_counter()
    try:
        code = asyncio.run(main_async(args, argv))
    finally:
        log(f"done in {time.perf_counter() - started:.0f} s")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
