"""What the users, push and soak benchmarks share: the run's record (command, machine, load),
its work directory, the results file, the console summary and the docs section."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench import machine, report
from bench.run import DOCS, log


def command(name: str, argv: list[str] | None) -> str:
    """How the run was asked for: `make bench-<name>`, or the module with its arguments."""
    args = sys.argv[1:] if argv is None else argv
    if os.environ.get("MAKELEVEL") and not args:
        return f"make bench-{name}"
    return " ".join([f".venv/bin/python -m bench.{name}", *map(shlex.quote, args)])


def new_state(
    name: str, argv: list[str] | None, args: argparse.Namespace, **settings: object
) -> dict:
    now = datetime.now(UTC)
    return {
        "benchmark": name,
        "date": now.strftime("%Y-%m-%d"),
        "started_at": now.isoformat(timespec="seconds"),
        "command": command(name, argv),
        "quick": args.quick,
        **settings,
        "machine": machine.describe(),
        "loadavg_start": machine.loadavg(),
    }


def run(
    name: str,
    args: argparse.Namespace,
    state: dict,
    *,
    measure: Callable[[argparse.Namespace, Path, dict], Awaitable[None]],
    summarise: Callable[[dict], dict],
    console: Callable[[dict], str],
    markdown: Callable[[dict], str],
    documented: Callable[[dict], bool] = lambda state: True,
) -> int:
    """Measure in a fresh work directory, record the outcome (a failed run too), save
    bench/results/<date>-<name>[-quick].json, print the summary and, for a full run that
    went well, rewrite the benchmark's section of docs/PERFORMANCE.md."""
    workdir = Path(tempfile.mkdtemp(prefix=f"pulse-bench-{name}-"))
    try:
        asyncio.run(measure(args, workdir, state))
        state["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, then reported
        state["status"] = "failed"
        state["error"] = repr(exc)[-3000:]
        log(f"FAILED: {exc!r}")
    finally:
        if args.keep:
            log(f"work directory kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    state["loadavg_end"] = machine.loadavg()
    state["summary"] = summarise(state)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    path = args.results_dir / f"{state['date']}-{name}{suffix}.json"
    path.write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2))
    log(f"saved {path}")
    print(console(state))
    if state["status"] == "ok" and documented(state) and not args.quick and not args.no_docs:
        previous = DOCS.read_text() if DOCS.exists() else ""
        DOCS.write_text(report.replace_block(previous, name, markdown(state)))
        log(f"wrote {DOCS}")
    return 0 if state["status"] == "ok" else 1
