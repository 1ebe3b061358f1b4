"""A helper process (the PDF render pool's worker) ends when its parent dies without
stopping it, and takes the multiprocessing resource tracker with it: nothing is orphaned."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil

PARENT = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pulse.platform.child_process import follow_parent

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    initializer = follow_parent if sys.argv[1] == "follows" else None
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=initializer)
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(120)
"""


def _helpers_after_the_parent_is_killed(tmp_path: Path, mode: str) -> list[psutil.Process]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    helpers = psutil.Process(parent.pid).children(recursive=True)
    assert worker in {p.pid for p in helpers}
    parent.kill()
    parent.wait(timeout=10)
    _, alive = psutil.wait_procs(helpers, timeout=10)
    return alive


def test_a_helper_that_follows_its_parent_ends_with_it(tmp_path: Path) -> None:
    assert _helpers_after_the_parent_is_killed(tmp_path, "follows") == []


def test_without_it_the_helper_would_be_orphaned(tmp_path: Path) -> None:
    alive = _helpers_after_the_parent_is_killed(tmp_path, "plain")
    try:
        assert alive, "the check above would prove nothing"
    finally:
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=10)
