"""bench/steps.py's record: results files and the "stages" section of docs/PERFORMANCE.md.

`bench/results/stages-baseline.json` holds the "before" figures (the first recorded run,
or one run with `--baseline`); each recorded run is set against it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import orjson

from bench.harness import machine
from bench.harness.cli import log
from bench.harness.docs import DOCS, RESULTS, fmt, machine_table, write_section
from bench.harness.scenario import header

BASELINE = RESULTS / "stages-baseline.json"


def _dump(path: Path, data: dict) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def record(steps: dict[str, dict], args: argparse.Namespace, argv: list[str] | None) -> None:
    result = {
        **header("stages", argv, "steps"),
        "mode": "stages",
        "settings": {
            "orders": args.orders,
            "rounds": args.rounds,
            "batch": args.batch,
            "database": "SQLite file",
        },
        "loadavg": machine.loadavg(),
        # A list: the stages in the flow's order (the file's keys are sorted).
        "steps": [{"stage": name, **row} for name, row in steps.items()],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    _dump(RESULTS / f"{result['date']}-stages.json", result)
    if args.baseline or not BASELINE.exists():
        _dump(BASELINE, result)
    baseline = orjson.loads(BASELINE.read_bytes())
    write_section("stages", markdown(result, baseline))
    log(f"wrote {DOCS} and bench/results/{result['date']}-stages.json")


def _stages(result: dict) -> dict[str, dict]:
    return {row["stage"]: row for row in result["steps"]}


def _total(result: dict, key: str) -> float:
    return sum(row[key] for row in result["steps"])


def markdown(now: dict, before: dict) -> str:
    m = before["machine"]
    out = [
        "## Per stage: SQL statements and CPU per order",
        "",
        "Each stage of the order → invoice flow runs in-process on a fresh SQLite file (no "
        "HTTP, no bus). Placing an order is the API's use case, each order in its own unit of "
        "work. Before, every later stage too ran one order per transaction; now each is its "
        "consumer's runner handed the stage's events in batches (`--batch`, as the bus hands "
        "them over: inbox, handlers, commit). Figures are per order, "
        "median over rounds. Statements: every cursor execution (BEGIN included) plus COMMIT. "
        "CPU: the process's CPU time (Python, SQLite and the PDF renderer in-process). Not "
        "covered here: HTTP, the outbox relay and bus delivery, and the analytics projector "
        "(the side-by-side section's server CPU per order counts them, end to end).",
        "",
        f"- Before: {before['started_at']}, commit {m.get('git_commit')} "
        f"({m.get('git_uncommitted_files')} uncommitted tracked files), load average "
        f"{before['loadavg']}, `{before['command']}` "
        f"({before['settings']['rounds']} rounds of {before['settings']['orders']} orders)",
        f"- Now: {now['started_at']}, commit {now['machine'].get('git_commit')}, load average "
        f"{now['loadavg']}, `{now['command']}` ({now['settings']['rounds']} rounds of "
        f"{now['settings']['orders']} orders, consumers handed "
        f"{now['settings'].get('batch', 1)} events at a time)",
        "",
        *machine_table(now["machine"]),
        "",
        "| stage | statements before | statements now | CPU ms before | CPU ms now |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    b_rows, n_rows = _stages(before), _stages(now)
    for name in dict.fromkeys([*b_rows, *n_rows]):
        b, n = b_rows.get(name, {}), n_rows.get(name, {})
        out.append(
            f"| {name} | {fmt(b.get('statements'), 2)} | {fmt(n.get('statements'), 2)} | "
            f"{fmt(b.get('cpu_ms'), 2)} | {fmt(n.get('cpu_ms'), 2)} |"
        )
    out.append(
        f"| **all stages** | {fmt(_total(before, 'statements'), 2)} | "
        f"{fmt(_total(now, 'statements'), 2)} | "
        f"{fmt(_total(before, 'cpu_ms'), 2)} | "
        f"{fmt(_total(now, 'cpu_ms'), 2)} |"
    )
    return "\n".join(out)
