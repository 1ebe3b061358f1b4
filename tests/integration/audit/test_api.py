"""The audit log through HTTP and the command line: who did what from where, before and
after; search; the export verified offline, and the export's own tampering detected."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from pulse.bootstrap import Container
from pulse.cli import app as cli_app
from pulse.platform.audit import chain
from tests.conftest import ClientFor
from tests.integration.audit.conftest import admin_get, workload
from tests.integration.orders.factories import assert_problem


@pytest.fixture
async def admin(container: Container, client_for: ClientFor) -> httpx.AsyncClient:
    await workload(container, client_for)
    return client_for("admin")


async def test_admin_actions_carry_who_where_and_before_after(admin: httpx.AsyncClient) -> None:
    page = await admin_get(admin, "/audit/records", action="users.update")
    assert page["total"] == 1
    record = page["items"][0]
    assert record["actor"] == "test-admin"
    assert record["address"] == "127.0.0.1"
    assert record["before"] == {"role": "clerk"} and record["after"] == {"role": "viewer"}
    assert record["subject_type"] == "user" and record["event_id"] is None
    failed = (await admin_get(admin, "/audit/records", action="auth.sign_in_failed"))["items"]
    assert [(f["actor"], f["subject_id"], f["after"]["reason"]) for f in failed] == [
        ("clara", "clara", "invalid_credentials")
    ]
    signed_in = (await admin_get(admin, "/audit/records", action="user.logged_in"))["items"]
    assert signed_in[0]["address"] == "127.0.0.1" and signed_in[0]["actor"] == "clara"


async def test_search_filters_and_pages(admin: httpx.AsyncClient) -> None:
    everything = await admin_get(admin, "/audit/records", limit=500)
    seqs = [r["seq"] for r in everything["items"]]
    assert seqs == sorted(seqs, reverse=True) and everything["total"] == len(seqs)
    orders = await admin_get(admin, "/audit/records", action="order.", limit=2)
    assert orders["total"] >= 9  # created, confirmed, invoiced… for three orders
    assert all(r["action"].startswith("order.") for r in orders["items"])
    older = await admin_get(
        admin, "/audit/records", action="order.", limit=2, before_seq=orders["next_before_seq"]
    )
    assert max(r["seq"] for r in older["items"]) < min(r["seq"] for r in orders["items"])
    one = orders["items"][0]
    by_subject = await admin_get(
        admin, "/audit/records", subject_type="order", subject_id=one["subject_id"]
    )
    assert {r["subject_id"] for r in by_subject["items"]} == {one["subject_id"]}
    by_actor = await admin_get(admin, "/audit/records", actor="clara")
    assert by_actor["total"] >= 2 and {r["actor"] for r in by_actor["items"]} == {"clara"}
    window = await admin_get(admin, "/audit/records", **{"from": one["at"], "to": one["at"]})
    assert window["total"] == 0  # the end of the window is excluded
    since = await admin_get(admin, "/audit/records", **{"from": one["at"]}, limit=500)
    assert min(r["at"] for r in since["items"]) >= one["at"]
    found = await admin_get(admin, f"/audit/records/{one['seq']}")
    assert found == one


async def test_status_and_bad_input(admin: httpx.AsyncClient) -> None:
    status = await admin_get(admin, "/audit/verify")
    assert status["ok"] and status["first_bad_seq"] is None and status["records"] > 20
    assert_problem(await admin.get("/audit/records/999999"), 404, "audit_record_not_found")
    for params in (
        {"limit": 0},
        {"limit": 501},
        {"before_seq": -1},
        {"from": "yesterday"},
        {"actor": "x" * 101},
        {"actor": "bad\x00name"},
        {"format": "xml"},
    ):
        path = "/audit/export" if "format" in params else "/audit/records"
        assert_problem(await admin.get(path, params=params), 422)
    assert_problem(await admin.get("/audit/records/abc"), 422)


def _offline(script: Path, export: Path, key: Path) -> subprocess.CompletedProcess[str]:
    """Run audit/chain.py as a lone file, outside the package, on an export."""
    shutil.copyfile(chain.__file__, script)
    return subprocess.run(
        [sys.executable, str(script), str(export), "--public-key", str(key)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_an_export_verifies_offline_and_its_tampering_is_found(
    admin: httpx.AsyncClient, container: Container, tmp_path: Path, fmt: str
) -> None:
    # A name a spreadsheet would run as a formula: the CSV keeps it text, and exact.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=container.app),  # type: ignore[attr-defined]
        base_url="http://pulse.test",
    ) as anonymous:
        refused = await anonymous.post(
            "/auth/login", json={"username": "=hyperlink(1)", "password": "x" * 12}
        )
    assert refused.status_code == 401
    assert container.audit is not None
    signed = await container.audit.run_once()
    response = await admin.get("/audit/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    if fmt == "csv":
        assert "'=hyperlink(1)" in response.text and ",=hyperlink" not in response.text
    export = tmp_path / f"audit.{fmt}"
    export.write_bytes(response.content)
    key = tmp_path / "key.pem"
    key.write_text((await admin_get(admin, "/audit/signing-key"))["public_key_pem"])
    # The standalone script, run as a plain file outside the package.
    script = tmp_path / "verify_audit.py"
    ok = await asyncio.to_thread(_offline, script, export, key)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK:") and f"the last at record {signed}" in ok.stdout
    # One changed character in one record of the file.
    lines = export.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "users.update" in line)
    lines[index] = lines[index].replace("viewer", "admin")
    export.write_text("".join(lines))
    bad = await asyncio.to_thread(_offline, script, export, key)
    assert bad.returncode == 1 and bad.stdout.startswith("BROKEN at record")
    walk = chain.verify_export(str(export), key.read_bytes())
    assert walk.first_bad is not None and "altered" in walk.first_bad.problem


async def test_the_command_line_verifies_the_database_and_an_export(
    admin: httpx.AsyncClient, container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = container.settings
    monkeypatch.setenv("PULSE_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PULSE_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()

    def pulse(*args: str) -> Result:
        # The command runs its own event loop: on a thread of its own, beside the test's.
        return runner.invoke(cli_app, list(args))

    async def run(*args: str) -> Result:
        return await asyncio.to_thread(pulse, *args)

    signed = await run("audit", "checkpoint")
    assert signed.exit_code == 0 and "signed a checkpoint at record" in signed.output
    verified = await run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("OK:")
    out = tmp_path / "log.jsonl"
    exported = await run("audit", "export", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    header = json.loads(out.read_text().splitlines()[0])
    assert header["format"] == chain.FORMAT
    from_file = await run("audit", "verify", "--file", str(out))
    assert from_file.exit_code == 0 and from_file.output.startswith("OK:")
    # Records cut off the end of the file: the signed checkpoint in it still vouches for them.
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:-2]))
    cut = await run("audit", "verify", "--file", str(out))
    assert cut.exit_code == 1 and "removed from the end" in cut.output
