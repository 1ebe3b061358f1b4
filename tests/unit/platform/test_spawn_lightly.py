"""A process the `pulse` command starts with "spawn" (the PDF render pool, the SQL worker)
imports only what it runs, not the command with every module of the product."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Like the `pulse` script pip writes: import the command, call it under __main__.
SCRIPT = """
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

from pulse.cli import spawn_lightly

if __name__ == "__main__":
    if sys.argv[1] == "lightly":
        spawn_lightly()
    loaded = "__import__('sys').modules"
    probe = f"sorted(m for m in ('pulse.cli', 'sqlalchemy', 'fastapi') if m in {loaded})"
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        print(pool.submit(eval, probe).result())
"""


def _loaded_in_child(tmp_path: Path, how: str) -> str:
    script = tmp_path / "pulse"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), how], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_spawned_process_does_not_import_the_command(tmp_path: Path) -> None:
    assert _loaded_in_child(tmp_path, "lightly") == "[]"


def test_without_it_the_script_would_be_imported_again(tmp_path: Path) -> None:
    # What it prevents: the script, run again as the child's main module, imports it all.
    assert _loaded_in_child(tmp_path, "plain") == "['fastapi', 'pulse.cli', 'sqlalchemy']"
