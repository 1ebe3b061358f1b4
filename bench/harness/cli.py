"""What every benchmark's command line shares: its parser and common flags, its defaults
(full and `--quick`), how the run is named in the results, and the progress log."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.harness.docs import RESULTS


def log(message: str, *, tag: str = "bench") -> None:
    print(f"[{tag} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """`python -m bench.<name>`, described by the first line of the scenario's docstring."""
    return argparse.ArgumentParser(
        prog=f"python -m bench.{name}", description=(doc or "").split("\n")[0]
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


def add_services_flags(parser: argparse.ArgumentParser) -> None:
    """Where the services mode finds PostgreSQL and NATS, and which bus it runs."""
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
