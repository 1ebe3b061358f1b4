"""What the embedded server loads: not the libraries of paths it does not take.

Each of these costs the server resident memory for nothing (its budget is 300 MB): Arrow
(about 40 MiB), the PDF library with fontTools and Pillow (about 30 MiB; PDFs are rendered
in render processes), the PostgreSQL driver, the NATS client and the S3 client.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NOT_LOADED = ("pyarrow", "fpdf", "fontTools", "PIL", "asyncpg", "nats", "boto3", "botocore")

SCRIPT = f"""
import sys
import duckdb
import pulse.app, pulse.cli, pulse.bootstrap
from pulse.analytics import columns, projection, service
from pulse.platform.settings import Settings

settings = Settings(
    data_dir=sys.argv[1], jwt_secret="x" * 48, admin_password="admin-password-1"
)
app = pulse.app.create_app(settings=settings)
duckdb.connect().execute(columns.table({{"a": ["x"]}}).select).fetchall()
print(sorted(m for m in {NOT_LOADED!r} if m in sys.modules))
"""


def test_the_embedded_server_does_not_load_what_it_does_not_use(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
