"""`python -m bench.profile_flow`: where the embedded process spends its CPU under load.

Starts Pulse in the embedded mode (bench/harness/servers.py), seeds it through the API, and drives
the closed-loop client (bench/harness/load.py) at one concurrency while `py-spy record` samples the
server. Prints the completed orders, the server's CPU per order, and the functions that hold
the most samples (self and inclusive, by module), so "what is the next limit" has an answer
with a profile behind it. `--out` keeps the raw collapsed stacks (for a flame graph).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from bench.harness import load, profile, servers
from bench.side_by_side_targets import status_count


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_flow", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path, help="write the collapsed stacks here")
    return parser.parse_args(argv)


def summarise(collapsed: str, top: int) -> str:
    """Self and inclusive sample counts per function, and inclusive per top-level package."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
        for package in {_package(f) for f in frames}:
            packages[package] += count
    lines = [f"{total} samples"]
    for title, counter in (("self", own), ("inclusive", inclusive), ("package", packages)):
        lines.append(f"-- {title}")
        lines.extend(
            f"{100 * n / total:5.1f}%  {name[:150]}" for name, n in counter.most_common(top)
        )
    return "\n".join(lines)


def _package(frame: str) -> str:
    # py-spy frames read "function (path/to/module.py:line)".
    _, _, where = frame.partition(" (")
    path = where.split(":")[0]
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in path:
            tail = path.split(marker, 1)[1].lstrip("/")
            parts = tail.split("/")
            return "/".join(parts[:2]) if parts[0] == "pulse" else parts[0]
    return path or frame


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pulse-profile-"))
    secret = secrets.token_urlsafe(32)
    deployment = await asyncio.to_thread(servers.embedded, workdir, secret)
    deployment.start()
    try:
        await servers.wait_ready(deployment)
        token = load.mint_token(secret)
        async with load.session_for(deployment.base_url, token, 4) as session:
            fixtures = await load.seed(session, "profile", customers=10, products=20)
        pid = deployment.procs[0].pid
        raw = workdir / "profile.txt"
        # Only the thread holding the interpreter lock: where the CPU goes, not where
        # threads wait.
        spy = profile.record(pid, raw, args.duration, options=("--subprocesses", "--gil"))
        cpu_before = deployment.tree_cpu()
        started = time.perf_counter()
        result = await load.closed_loop(
            deployment.base_url,
            token,
            fixtures.payloads,
            concurrency=args.concurrency,
            duration=args.duration,
        )
        async with load.session_for(deployment.base_url, token, 2) as session:
            invoiced = await status_count(session, "invoiced")
        elapsed = time.perf_counter() - started
        cpu = deployment.tree_cpu() - cpu_before
        await asyncio.to_thread(spy.wait, args.duration + 60)
        print(
            f"c={args.concurrency}: {result.ok} answered ({result.ok / elapsed:.1f}/s), "
            f"{invoiced} invoiced ({invoiced / elapsed:.1f}/s) in {elapsed:.1f} s; "
            f"server CPU {1000 * cpu / max(1, invoiced):.2f} ms per invoiced order"
        )
        collapsed = raw.read_text() if raw.exists() else ""
        if args.out:
            args.out.write_text(collapsed)
        print(summarise(collapsed, args.top))
    finally:
        deployment.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
