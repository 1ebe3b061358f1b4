"""docs/PERFORMANCE.md: each benchmark owns a section between `<!-- name:start -->` and
`<!-- name:end -->` and rewrites only that; the shared cell formatting and machine table."""

from __future__ import annotations

from pathlib import Path

from bench.harness.machine import ROOT

DOCS = ROOT / "docs" / "PERFORMANCE.md"
RESULTS = ROOT / "bench" / "results"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def kept_block(previous: str, name: str) -> str:
    """The section `name` of the previous file, markers included, or ""."""
    start, end = markers(name)
    if start not in previous or end not in previous:
        return ""
    return start + previous.split(start, 1)[1].split(end, 1)[0] + end


def replace_block(previous: str, name: str, body: str) -> str:
    """`previous` with the section `name` (markers included) replaced, or appended."""
    start, end = markers(name)
    block = f"{start}\n{body.strip()}\n{end}"
    if start in previous and end in previous:
        head, rest = previous.split(start, 1)
        return head + block + rest.split(end, 1)[1]
    return previous.rstrip("\n") + "\n\n" + block + "\n"


def write_section(name: str, body: str, docs: Path = DOCS) -> None:
    """Rewrite the section `name` of `docs` (appended when the file has none yet)."""
    previous = docs.read_text() if docs.exists() else "# Performance\n"
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(replace_block(previous, name, body))


def fmt(value: object, digits: int = 1) -> str:
    """A table cell: thousands separated, `digits` decimals for floats, "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def machine_table(machine: dict) -> list[str]:
    """The machine a result was measured on (`machine.describe()`), as a two-column table."""
    rows = [
        ("CPU", f"{machine['cpu_model']} — {machine['nproc']} logical CPUs (`nproc`)"),
        ("RAM", f"{machine['ram_gib']} GiB"),
        ("OS", f"{machine['os']} (kernel {machine['kernel']})"),
        ("Python", machine["python"]),
        ("PostgreSQL client", machine.get("postgres") or "—"),
        (
            "Code",
            f"commit {machine.get('git_commit')} with {machine.get('git_uncommitted_files')} "
            "uncommitted tracked files",
        ),
    ]
    return ["| | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)]


def provenance(state: dict) -> str:
    """The sentence that opens a scenario's section: when, with what command, on what machine
    and code, and where the raw numbers are (a state of `harness.scenario`)."""
    m = state["machine"]
    return (
        f"Run {state['started_at']} with `{state['command']}` on {m['cpu_model']} "
        f"({m['nproc']} CPUs, {m['ram_gib']} GiB, load average at start "
        f"{state['loadavg_start']}), commit {m.get('git_commit')}. Raw numbers: "
        f"`bench/results/{state['date']}-{state['benchmark']}.json`."
    )
