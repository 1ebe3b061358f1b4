"""py-spy on a server process: a recording of its stacks, and their top frames."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

PY_SPY = str(Path(sys.executable).with_name("py-spy"))


def record(
    pid: int, output: Path, seconds: float, *, rate: int = 200, options: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    """`py-spy record` of `pid` for `seconds` (rounded up) into `output`, collapsed stacks
    ("raw"); `options` such as `--gil`, `--nonblocking`, `--subprocesses`."""
    return subprocess.Popen(
        [
            PY_SPY,
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            str(rate),
            *options,
            "--duration",
            str(int(seconds) + 1),
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_top(raw: str, top: int = 20) -> str:
    """Top frames by own time and by total time from py-spy's collapsed-stack output."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    if not samples:
        return "  (no samples)"
    lines = [f"  {samples} samples; by own time:"]
    lines += [f"    {n / samples:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines.append("  by total time:")
    lines += [f"    {n / samples:6.1%}  {frame}" for frame, n in total.most_common(top)]
    return "\n".join(lines)
