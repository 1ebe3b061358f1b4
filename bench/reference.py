"""The plan's reference orders service as a benchmark deployment, run in place.

`../shared/anchors/seed-orders/` (next to the project's checkout; `PULSE_BENCH_SEED_DIR`
moves it) holds the plan's `service/main.py`, its schema and demo rows. It is never copied
here: uvicorn imports it from that folder (`--app-dir`), with the interpreter of
`.bench-venv` (`make bench-reference-venv` builds it with the folder's own `setup.sh`,
versions pinned by bench/reference-constraints.txt; `PULSE_SEED_VENV` moves it).

The service runs as the anchor's README describes: one uvicorn worker, database and role
`seed_bench` on the local PostgreSQL (created when missing; the schema is loaded once and
`seed_demo.sql` empties the tables and puts back the demo rows on every run), NATS at
127.0.0.1:4222. Each POST /orders inserts the order and its lines and publishes one NATS
message; nothing else happens to the order.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import orjson

from bench.harness import machine, processes, servers

SEED_DIR = Path(
    os.environ.get("PULSE_BENCH_SEED_DIR", machine.ROOT.parent / "shared/anchors/seed-orders")
)
VENV = Path(os.environ.get("PULSE_SEED_VENV", machine.ROOT / ".bench-venv"))
DB = ROLE = "seed_bench"

# seed_demo.sql's customers and products (sku, price, name); Pulse gets the same ones
# through its API so both services take the same orders.
CUSTOMERS = [
    ("11111111-1111-1111-1111-111111111111", "Acme Corp", "acme"),
    ("22222222-2222-2222-2222-222222222222", "Beta Ltd", "beta"),
    ("33333333-3333-3333-3333-333333333333", "Gamma LLC", "gamma"),
]
PRODUCTS = [
    ("CAM-1001", "399.00", "Camera Model A"),
    ("CAM-2002", "599.00", "Camera Model B"),
    ("TRI-300", "49.99", "Tripod"),
    ("BAT-150", "29.99", "Battery Pack"),
    ("CABLE-01", "9.99", "USB Cable"),
]

Shape = tuple[int, list[tuple[int, int]]]  # customer index, [(product index, qty)]


def missing(seed_dir: Path = SEED_DIR, venv: Path = VENV) -> str | None:
    """Why the reference service cannot run here, or None."""
    if not (seed_dir / "service" / "main.py").is_file():
        return (
            f"the reference service is not at {seed_dir} (the checkout has no "
            "../shared/anchors/seed-orders; set PULSE_BENCH_SEED_DIR to point at it)"
        )
    if not (venv / "bin" / "uvicorn").exists():
        return f"no virtual environment for the reference service at {venv} (run `make bench`)"
    return None


def order_shapes(count: int, seed: int = 7) -> list[Shape]:
    """The anchor's order mix: one of 3 customers, 1-3 distinct of 5 products, qty 1-3."""
    rng = random.Random(seed)
    return [
        (
            rng.randrange(len(CUSTOMERS)),
            [(i, rng.randint(1, 3)) for i in rng.sample(range(len(PRODUCTS)), rng.randint(1, 3))],
        )
        for _ in range(count)
    ]


def reference_payloads(shapes: list[Shape]) -> list[bytes]:
    """Its API wants the price on every line."""
    return [
        orjson.dumps(
            {
                "customer_id": CUSTOMERS[cust][0],
                "items": [
                    {"sku": PRODUCTS[i][0], "qty": qty, "price": float(PRODUCTS[i][1])}
                    for i, qty in lines
                ],
            }
        )
        for cust, lines in shapes
    ]


def pulse_payloads(shapes: list[Shape], customer_ids: list[str]) -> list[bytes]:
    """Pulse takes the catalogue price; its customers have ids of their own."""
    return [
        orjson.dumps(
            {
                "customer_id": customer_ids[cust],
                "items": [{"sku": PRODUCTS[i][0], "qty": qty} for i, qty in lines],
            }
        )
        for cust, lines in shapes
    ]


async def prepare_database(pg: dict[str, str], seed_dir: Path = SEED_DIR) -> str:
    """Role and database `seed_bench`, its schema, the demo rows; answers the service's DSN."""
    import asyncpg

    hostport = f"{pg['host']}:{pg['port']}"
    conn = await asyncpg.connect(f"postgresql://{pg['user']}@{hostport}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", ROLE):
            await conn.execute(f'CREATE ROLE "{ROLE}" LOGIN')
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DB):
            await conn.execute(f'CREATE DATABASE "{DB}" OWNER "{ROLE}"')
    finally:
        await conn.close()
    dsn = f"postgresql://{ROLE}@{hostport}/{DB}"
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("SELECT to_regclass('public.orders') IS NOT NULL"):
            await conn.execute((seed_dir / "schema.sql").read_text())
        await conn.execute((seed_dir / "seed_demo.sql").read_text())
    finally:
        await conn.close()
    return dsn


async def order_count(dsn: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM orders"))
    finally:
        await conn.close()


def deployment(
    workdir: Path, dsn: str, nats_url: str, seed_dir: Path = SEED_DIR, venv: Path = VENV
) -> servers.Deployment:
    port = processes.free_port()
    env = processes.clean_env({"DATABASE_URL": dsn, "NATS_URL": nats_url})
    # As in its container: block-buffered output, not this project's virtualenv.
    for name in ("PYTHONUNBUFFERED", "VIRTUAL_ENV"):
        env.pop(name, None)
    argv = [
        str(venv / "bin" / "python"),
        str(venv / "bin" / "uvicorn"),
        "main:app",
        "--app-dir",
        str(seed_dir / "service"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    return servers.Deployment(
        mode="reference",
        workdir=workdir,
        env=env,
        base_url=f"http://127.0.0.1:{port}",
        procs=[processes.Proc("reference uvicorn", argv, workdir / "reference.log")],
        database_url=dsn,
        database_name=DB,
        ready_path="/healthz",
        wiring={
            "service": str(seed_dir / "service" / "main.py"),
            "database": f"PostgreSQL, database {DB}",
            "bus": f"NATS core publish ({nats_url})",
            "processes": ["uvicorn main:app --workers 1"],
        },
    )
