"""`python -m bench.analytics_memory`: the analytics store's memory, alone, by batch size.

The soak (bench/soak.py) shows the embedded server's resident memory growing under a steady
load; run without the `analytics` consumer, the same load leaves it flat. This takes the
server away: one process applies the order flow's events (bench/projector_batch.py's
stream) to a fresh DuckDB file with `projection.apply`, as the projector does, in batches of
a given size, and reads every so often its resident memory, what the C allocator has handed
out and not had back (glibc's `mallinfo2`: DuckDB allocates through it) and what DuckDB
itself counts (`duckdb_memory()`). Each size runs in a process of its own, so one does not
inherit what another left behind.

    python -m bench.analytics_memory --sizes 20,200 --events 60000
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.harness.processes import _status_kib

ROOT = Path(__file__).resolve().parents[1]
MIB = 2**20


class _MallInfo2(ctypes.Structure):
    _fields_ = [  # noqa: RUF012 - ctypes' own declaration
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def malloc_in_use() -> int | None:
    """Bytes glibc's allocator has handed out and not had back (None off glibc)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return None
    info = libc.mallinfo2()
    return int(info.uordblks + info.hblkhd)


def run_one(
    size: int, events: int, points: int, memory_limit: str, reopen: int = 0
) -> list[dict[str, Any]]:
    """In this process: apply `events` events in batches of `size`, sampling `points` times;
    with `reopen`, close the database and open it again every `reopen` batches, as the
    projector does (PULSE_OLAP_REOPEN_BATCHES)."""
    from bench.projector_batch import raw_events
    from pulse.analytics import projection, transform
    from pulse.analytics.store import AnalyticsStore

    stream = raw_events(1)
    today = dt.date(2026, 12, 2)
    batches = max(events // size, 1)
    every = max(batches // points, 1)
    samples: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="analytics-memory-") as tmp:
        store = AnalyticsStore(Path(tmp) / "analytics.duckdb", memory_limit=memory_limit, threads=1)
        store.open()
        try:
            cur = store.cursor()
            for i in range(batches + 1):
                batch = [next(stream) for _ in range(size)]
                projection.apply(cur, transform.build(batch), source="bench", today=today)
                if reopen and i % reopen == reopen - 1:
                    asyncio.run(store.reopen())  # as the projector does
                    cur = store.cursor()
                if i % every == 0:
                    held = cur.execute(
                        "SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()"
                    ).fetchall()[0][0]
                    malloc = malloc_in_use()
                    samples.append(
                        {
                            "events": (i + 1) * size,
                            "rss_mib": round((_status_kib(os.getpid(), "VmRSS") or 0) / 1024, 1),
                            "malloc_mib": None if malloc is None else round(malloc / MIB, 1),
                            "duckdb_mib": round(held / MIB, 1),
                        }
                    )
        finally:
            store.close()
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_memory", description=__doc__)
    parser.add_argument("--sizes", default="20,200", help="batch sizes, comma-separated")
    parser.add_argument("--events", type=int, default=60000, help="events applied per size")
    parser.add_argument("--points", type=int, default=6, help="samples per size")
    parser.add_argument("--memory-limit", default="64MB", help="DuckDB's, as the server's")
    parser.add_argument(
        "--reopen-every", type=int, default=0, help="close and open the store every N batches"
    )
    parser.add_argument("--json", type=Path, help="also write the samples here")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child: one size
    args = parser.parse_args(argv)
    if args.one:
        samples = run_one(args.one, args.events, args.points, args.memory_limit, args.reopen_every)
        print(json.dumps(samples))
        return 0
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.analytics_memory " + " ".join(argv or sys.argv[1:]),
        "sizes": {},
    }
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.analytics_memory",
                "--one",
                str(size),
                "--events",
                str(args.events),
                "--points",
                str(args.points),
                "--memory-limit",
                args.memory_limit,
                "--reopen-every",
                str(args.reopen_every),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        samples = json.loads(out.strip().splitlines()[-1])
        results["sizes"][size] = samples
        print(f"batches of {size}:")
        print("    events   RSS MiB   malloc MiB   DuckDB MiB")
        for s in samples:
            print(
                f"  {s['events']:8d}  {s['rss_mib']:8.1f}  {s['malloc_mib'] or 0:11.1f}"
                f"  {s['duckdb_mib']:11.1f}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
