"""The database's own limit: pgbench with one single-row INSERT per transaction.

The table is about as wide as an order row (a bigserial key, a UUID, a number, a status,
a NUMERIC total and a timestamp). Every transaction commits, like every order does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from bench.stats import summary_ms

TABLE = """
CREATE TABLE IF NOT EXISTS pgbench_order_rows (
    id bigserial PRIMARY KEY,
    customer_id uuid NOT NULL,
    number text NOT NULL,
    status text NOT NULL,
    total numeric(14, 2) NOT NULL,
    created_at timestamptz NOT NULL
)
"""

SCRIPT = """\\set n random(1, 999999999)
INSERT INTO pgbench_order_rows (customer_id, number, status, total, created_at) \
VALUES (gen_random_uuid(), 'SO-' || :n, 'placed', 123.45, now());
"""


def available() -> bool:
    return shutil.which("pgbench") is not None and shutil.which("psql") is not None


def _psql(conn: dict[str, str], sql: str) -> str:
    done = subprocess.run(
        [
            "psql",
            "-h",
            conn["host"],
            "-p",
            conn["port"],
            "-U",
            conn["user"],
            "-d",
            conn["db"],
            "-v",
            "ON_ERROR_STOP=1",
            "-Atqc",
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def free_connections(conn: dict[str, str]) -> int:
    limit = int(_psql(conn, "SHOW max_connections"))
    used = int(
        _psql(conn, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
    )
    return limit - used


def prepare(conn: dict[str, str], workdir: Path) -> Path:
    _psql(conn, TABLE)
    script = workdir / "insert_order_row.sql"
    script.write_text(SCRIPT)
    return script


def _latencies(prefix: Path) -> list[float]:
    """Per-transaction latencies (seconds) from pgbench's -l logs."""
    values: list[float] = []
    for log in prefix.parent.glob(prefix.name + ".*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                values.append(int(parts[2]) / 1e6)
        log.unlink()
    return values


def run(
    conn: dict[str, str],
    script: Path,
    *,
    clients: int,
    duration: int,
    workdir: Path,
    tag: str,
    headroom: int = 8,
) -> dict[str, object]:
    wanted = clients
    clients = max(1, min(clients, free_connections(conn) - headroom))
    threads = min(2, clients)
    prefix = workdir / f"pgbench_{tag}_c{clients}"
    argv = [
        "pgbench",
        "-h",
        conn["host"],
        "-p",
        conn["port"],
        "-U",
        conn["user"],
        "-n",
        "-M",
        "prepared",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        str(threads),
        "-T",
        str(duration),
        "-l",
        f"--log-prefix={prefix}",
        conn["db"],
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, cwd=workdir)
    out = done.stdout + done.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    lat_avg = re.search(r"latency average = ([\d.]+) ms", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return {
        "clients": clients,
        "clients_requested": wanted,
        "threads": threads,
        "duration_s": duration,
        "command": " ".join(argv[:-1] + ["<db>"]),
        "exit_code": done.returncode,
        "tps": float(tps.group(1)) if tps else None,
        "latency_avg_ms": float(lat_avg.group(1)) if lat_avg else None,
        "failed": int(failed.group(1)) if failed else None,
        "latency_ms": summary_ms(_latencies(prefix)),
        "output_tail": None if tps else out[-800:],
    }
