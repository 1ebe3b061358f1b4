"""A serving process moves its start-up heap out of the garbage collector's reach while it
serves, and back at shutdown; an app built without asking (tests, tools) leaves it alone."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from pulse.app import create_app
from pulse.bootstrap import build_container
from pulse.platform.settings import Settings
from tests.servers import app_lifespan


class _Node:
    next: object = None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_serving_app_freezes_its_start_up_heap_and_releases_it(settings: Settings) -> None:
    assert gc.get_freeze_count() == 0
    app = create_app(build_container(settings), freeze_heap=True)
    async with app_lifespan(app):
        frozen = gc.get_freeze_count()
        # The modules, routes and validators built at start-up: tens of thousands of objects.
        assert frozen > 10_000
        # A cycle made afterwards is still collected.
        cycle = _Node()
        cycle.next = cycle
        alive = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert alive() is None
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_an_app_built_by_default_does_not_freeze(settings: Settings) -> None:
    app = create_app(build_container(settings))
    async with app_lifespan(app):
        assert gc.get_freeze_count() == 0


def test_a_serving_process_loads_no_library_it_does_not_use(tmp_path: Path) -> None:
    """fpdf2 (the PDF render runs in its own processes), boto3 (only for an S3 store) and
    xlsxwriter (only for a workbook export) stay out of the serving process: together about
    40 MiB of its memory and two seconds of its start-up."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pulse.app import create_app\n"
        "from pulse.platform.settings import Settings\n"
        f"create_app(settings=Settings(data_dir=Path({str(tmp_path)!r})))\n"
        "print(' '.join(sorted(m for m in ('fpdf', 'boto3', 'xlsxwriter') if m in sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert loaded == ""
