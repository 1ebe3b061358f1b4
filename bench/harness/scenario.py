"""A recorded run of one scenario: its record (command, machine, load), a fresh work
directory, the results file, the console summary and its section of docs/PERFORMANCE.md."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench.harness import cli, machine
from bench.harness.cli import command, log
from bench.harness.docs import DOCS, write_section


def header(
    name: str, argv: list[str] | None, module: str = "", make_target: str | None = None
) -> dict:
    """What every result starts with: the benchmark, when (UTC), how it was asked for (`python
    -m bench.<module>`, or `make <make_target>`) and on what machine."""
    now = datetime.now(UTC)
    return {
        "benchmark": name,
        "date": now.strftime("%Y-%m-%d"),
        "time": now.strftime("%H:%M"),
        "started_at": now.isoformat(timespec="seconds"),
        "command": command(module or name, argv, make_target),
        "machine": machine.describe(),
    }


def arguments(args: argparse.Namespace) -> dict:
    """The parsed arguments as plain data, for the record."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}


def new_state(
    name: str, argv: list[str] | None, args: argparse.Namespace, **settings: object
) -> dict:
    return {
        **header(name, argv, make_target=f"bench-{name}"),
        "quick": args.quick,
        **settings,
        "loadavg_start": machine.loadavg(),
    }


def save(state: dict, results_dir: Path, name: str) -> Path:
    """bench/results/<date>-<name>.json (keys sorted)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{state['date']}-{name}.json"
    path.write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return path


def latest(results_dir: Path, pattern: str) -> dict | None:
    """The newest results file matching `pattern` (dated names sort by date), or None."""
    found = sorted(results_dir.glob(pattern))
    return orjson.loads(found[-1].read_bytes()) if found else None


@dataclass(frozen=True)
class Scenario:
    """A benchmark run by `main`. `flags(parser)` adds the scenario's own options and answers
    the (full run, `--quick`) defaults of those left unset; `quick` says what `--quick` runs.
    `recorded` names the arguments kept in the state (state key → argument);
    `measure(args, workdir, state)` fills the state, `summarise(state)` reads it, `console`
    and `markdown` render the summarised state, and `documented(state)` says whether a run
    that went well is worth its docs section."""

    name: str
    doc: str | None
    flags: Callable[[argparse.ArgumentParser], dict[str, tuple[object, object]]]
    quick: str
    recorded: dict[str, str]
    measure: Callable[[argparse.Namespace, Path, dict], Awaitable[None]]
    summarise: Callable[[dict], dict]
    console: Callable[[dict], str]
    markdown: Callable[[dict], str]
    documented: Callable[[dict], bool] = lambda state: True

    def parse_args(self, argv: list[str] | None = None) -> argparse.Namespace:
        parser = cli.parser(self.name, self.doc)
        defaults = self.flags(parser)
        cli.add_output_flags(parser, quick=self.quick)
        return cli.parse(parser, argv, defaults)

    def main(self, argv: list[str] | None = None) -> int:
        args = self.parse_args(argv)
        settings = {key: getattr(args, name) for key, name in self.recorded.items()}
        return self.run(args, new_state(self.name, argv, args, **settings))

    def run(self, args: argparse.Namespace, state: dict) -> int:
        """Measure in a fresh work directory, record the outcome (a failed run too), save
        bench/results/<date>-<name>[-quick].json, print the summary and, for a full run that
        went well, rewrite the scenario's section of docs/PERFORMANCE.md."""
        workdir = Path(tempfile.mkdtemp(prefix=f"pulse-bench-{self.name}-"))
        try:
            asyncio.run(self.measure(args, workdir, state))
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
        state["summary"] = self.summarise(state)
        flow = getattr(args, "flow_process", "off")
        suffix = ("-quick" if args.quick else "") + ("" if flow == "off" else f"-flow-{flow}")
        log(f"saved {save(state, args.results_dir, self.name + suffix)}")
        print(self.console(state))
        went_well = state["status"] == "ok" and self.documented(state)
        if went_well and not args.quick and not args.no_docs and flow == "off":
            write_section(self.name, self.markdown(state))
            log(f"wrote {DOCS}")
        return 0 if state["status"] == "ok" else 1
