"""What every benchmark's command line shares: its parser and common flags, its defaults
(full and `--quick`), how the run is named in the results, and the progress log."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness.docs import RESULTS


def log(message: str, *, tag: str = "bench") -> None:
    print(f"[{tag} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parser(name: str, doc: str | None, *, whole_doc: bool = False) -> argparse.ArgumentParser:
    """`python -m bench.<name>`, described by the first line of the scenario's docstring (or
    all of it, as written)."""
    if whole_doc:
        return argparse.ArgumentParser(
            prog=f"python -m bench.{name}",
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    return argparse.ArgumentParser(
        prog=f"python -m bench.{name}", description=(doc or "").split("\n")[0]
    )


def add_flow_process_flag(parser: argparse.ArgumentParser) -> None:
    """`--flow-process`: the embedded server's PULSE_FLOW_PROCESS. A run with a second process
    is saved under a name of its own and rewrites no docs section (those show the default)."""
    parser.add_argument(
        "--flow-process",
        choices=("off", "analytics", "all"),
        default="off",
        help="what the embedded server runs in a second process (off)",
    )


def add_output_flags(
    parser: argparse.ArgumentParser,
    *,
    quick: str | None = None,
    keep: str | None = "keep the work directory",
) -> None:
    """`--quick` (when the scenario has a smoke size), `--keep`, `--no-docs`, `--results-dir`."""
    if quick is not None:
        parser.add_argument("--quick", action="store_true", help=quick)
    if keep is not None:
        parser.add_argument("--keep", action="store_true", help=keep)
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)


def add_services_flags(parser: argparse.ArgumentParser, *, modes: bool = False) -> None:
    """Where the services mode finds PostgreSQL and NATS, and which bus it runs; with
    `modes`, `--mode embedded|services|all` too."""
    if modes:
        parser.add_argument("--mode", choices=("embedded", "services", "all"), default="all")
    parser.add_argument(
        "--services-bus",
        choices=("auto", "nats", "embedded"),
        default="auto",
        help="bus of the services mode; auto = NATS when the backend exists, "
        "else the embedded bus over PostgreSQL",
    )
    parser.add_argument(
        "--pg", default="postgres@127.0.0.1:5432", help="PostgreSQL user@host:port (trust auth)"
    )
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")


# A load point's length and the rounds over the concurrencies: (full run, `--quick`).
POINTS = {"duration": (5.0, 2.0), "warmup": (1.0, 0.5), "rounds": (3, 1)}


def add_point_flags(
    parser: argparse.ArgumentParser,
    *,
    concurrency: str = "1,10,100",
    what: str = "comma-separated",
    defaults: dict[str, tuple[object, object]] = POINTS,
) -> None:
    """`--duration`, `--warmup` and `--rounds` of the closed-loop points (filled from
    `defaults` by `fill_defaults`), and `--concurrency`, the points' concurrencies."""
    full = {key: value[0] for key, value in defaults.items()}
    parser.add_argument(
        "--duration", type=float, help=f"seconds measured per load point ({full['duration']:g})"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        help=f"seconds of unrecorded load before each point ({full['warmup']:g})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help=f"rounds over all concurrencies; medians are quoted ({full['rounds']})",
    )
    parser.add_argument("--concurrency", default=concurrency, help=f"{what} ({concurrency})")


def parse(
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    defaults: dict[str, tuple[object, object]],
) -> argparse.Namespace:
    """The arguments, each option left unset with its (full run, `--quick`) default, and
    `concurrencies` from a `--concurrency` list."""
    args = parser.parse_args(argv)
    fill_defaults(args, defaults)
    if isinstance(getattr(args, "concurrency", None), str):
        args.concurrencies = concurrencies(args.concurrency)
    return args


def run_timed(main: Coroutine[Any, Any, int], *, tag: str = "bench") -> int:
    """`asyncio.run(main)`, and how long it took in the log."""
    started = time.perf_counter()
    try:
        return asyncio.run(main)
    finally:
        log(f"done in {time.perf_counter() - started:.0f} s", tag=tag)


def point_settings(args: argparse.Namespace) -> dict[str, object]:
    """How long each closed-loop point ran, and over what, for the record."""
    return {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "concurrency": args.concurrencies,
    }


def fill_defaults(args: argparse.Namespace, defaults: dict[str, tuple[object, object]]) -> None:
    """Each option left unset gets its (full run, `--quick`) default."""
    quick = bool(getattr(args, "quick", False))
    for key, (full, short) in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, short if quick else full)


def concurrencies(spec: str) -> list[int]:
    """`"1,10,100"` → `[1, 10, 100]`."""
    return [int(c) for c in spec.split(",") if c.strip()]


def command(name: str, argv: list[str] | None, make_target: str | None = None) -> str:
    """How the run was asked for: `make <target>` when make ran it without arguments, or the
    module with its arguments."""
    args = sys.argv[1:] if argv is None else argv
    if make_target and os.environ.get("MAKELEVEL") and not args:
        return f"make {make_target}"
    return " ".join([f".venv/bin/python -m bench.{name}", *map(shlex.quote, args)])


def run_id(suffix: str = "") -> str:
    """A name for the run's own database and stream: the time and this process."""
    return f"{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}{suffix}"


def pg_parts(spec: str) -> dict[str, str]:
    """`user@host:port` → its parts, with PostgreSQL's local defaults."""
    user, _, hostport = spec.partition("@")
    host, _, port = hostport.partition(":")
    return {"user": user or "postgres", "host": host or "127.0.0.1", "port": port or "5432"}
