"""The import contracts protect a module's inside as a whole, not file by file: a file added
to one module today and imported from another module breaks `lint-imports` (which the test
command runs), while the module itself and the composition root may import it.

Each case runs the real `lint-imports` on a throwaway copy of the source tree and the
project's own configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src" / "pulse", tmp_path / "src" / "pulse")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src" / "pulse" / "inventory" / "newly_added.py").write_text(
        "def helper() -> int:\n    return 1\n"
    )
    return tmp_path


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_new_file_imported_from_another_module_breaks_a_contract(tree: Path) -> None:
    (tree / "src" / "pulse" / "billing" / "reaches_in.py").write_text(
        "from pulse.inventory.newly_added import helper\n\nVALUE = helper()\n"
    )
    result = lint(tree)
    assert result.returncode != 0, result.stdout
    assert "inventory's inside BROKEN" in result.stdout
    assert "pulse.billing.reaches_in -> pulse.inventory.newly_added" in result.stdout


def test_the_module_itself_and_the_composition_root_may_import_it(tree: Path) -> None:
    (tree / "src" / "pulse" / "inventory" / "uses_it.py").write_text(
        "from pulse.inventory.newly_added import helper\n\nVALUE = helper()\n"
    )
    (tree / "src" / "pulse" / "bootstrap.py").write_text(
        (tree / "src" / "pulse" / "bootstrap.py").read_text()
        + "\nfrom pulse.inventory.newly_added import helper as _helper  # noqa: E402\n"
    )
    result = lint(tree)
    assert result.returncode == 0, result.stdout
