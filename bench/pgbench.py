"""The database's own limit: pgbench with one single-row INSERT per transaction.

The table is about as wide as an order row (a bigserial key, a UUID, a number, a status,
a NUMERIC total and a timestamp). Every transaction commits, like every order does.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

from bench.harness import machine
from bench.harness.cli import log
from bench.harness.stats import median_of, summary_ms

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


def _server(conn: dict[str, str]) -> list[str]:
    return ["-h", conn["host"], "-p", conn["port"], "-U", conn["user"]]


def _psql(conn: dict[str, str], sql: str) -> str:
    done = subprocess.run(
        [
            "psql",
            *_server(conn),
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
    for path in prefix.parent.glob(prefix.name + ".*"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                values.append(int(parts[2]) / 1e6)
        path.unlink()
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
        *_server(conn),
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


def baseline(args: argparse.Namespace, conn: dict[str, str], workdir: Path) -> dict:
    """`--pgbench-rounds` runs at each concurrency, and their medians per concurrency."""
    if not available():
        return {"error": "pgbench or psql not found"}
    script = prepare(conn, workdir)
    runs = []
    for round_no in range(1, args.pgbench_rounds + 1):
        for conc in args.concurrencies:
            log(f"pgbench round {round_no} c={conc} for {args.pgbench_duration} s")
            out = run(
                conn,
                script,
                clients=conc,
                duration=args.pgbench_duration,
                workdir=workdir,
                tag=f"r{round_no}",
            )
            out["round"] = round_no
            runs.append(out)
            log(
                f"pgbench c={out['clients']}: {out['tps']} tps, "
                f"p50 {out['latency_ms']['p50']} ms, p99 {out['latency_ms']['p99']} ms"
            )
    summary = {}
    for conc in args.concurrencies:
        mine = [r for r in runs if r["clients_requested"] == conc]
        summary[str(conc)] = {
            "clients": mine[0]["clients"] if mine else None,
            "tps": median_of(r["tps"] for r in mine),
            "p50": median_of(r["latency_ms"]["p50"] for r in mine),
            "p95": median_of(r["latency_ms"]["p95"] for r in mine),
            "p99": median_of(r["latency_ms"]["p99"] for r in mine),
            "failed": sum(r["failed"] or 0 for r in mine),
        }
    return {
        "script": SCRIPT,
        "table": TABLE.strip(),
        "runs": runs,
        "summary": summary,
        "loadavg_after": machine.loadavg(),
    }


def ratios(result: dict) -> dict:
    out = {}
    flow_table = result.get("summary", {}).get("by_concurrency", {})
    for conc, pg in result["pgbench"].get("summary", {}).items():
        orders = flow_table.get(conc, {}).get("throughput_rps")
        if orders and pg.get("tps"):
            out[conc] = round(orders / pg["tps"], 4)
    return out
