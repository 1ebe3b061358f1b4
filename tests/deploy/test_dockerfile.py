"""The container image's recipe: hadolint finds nothing, and it is built the way the
deployment relies on (multi-stage, locked runtime dependencies, non-root, a health check)."""

from __future__ import annotations

import re
import subprocess

from tests.deploy.files import ROOT, venv_tool

DOCKERFILE = ROOT / "Dockerfile"


def test_hadolint_finds_nothing() -> None:
    hadolint = venv_tool("hadolint")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_catch_a_bad_dockerfile(tmp_path) -> None:
    hadolint = venv_tool("hadolint")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /app && pip install pulse\n")
    result = subprocess.run([hadolint, str(bad)], capture_output=True, text=True)
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_the_image_is_multi_stage_slim_locked_and_unprivileged() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+(?:\s+\S+)*?)\s+AS\s+(\S+)$", text, re.MULTILINE)
    assert [name for _, name in stages] == ["web", "python-deps", "runtime"]
    assert "node:20" in stages[0][0] and "--platform=$BUILDPLATFORM" in stages[0][0]
    assert all("python:3.11-slim" in image for image, _ in stages[1:])
    assert "uv sync --frozen --no-dev" in text
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE)
    assert "HEALTHCHECK" in text
    assert (ROOT / "deploy" / "docker" / "healthcheck.py").is_file()


def test_the_entrypoint_turns_secret_files_into_settings(tmp_path) -> None:
    secret = tmp_path / "jwt"
    secret.write_text("from-a-file\n")
    fake_pulse = tmp_path / "pulse"
    fake_pulse.write_text(
        '#!/bin/sh\necho "$PULSE_JWT_SECRET|${PULSE_JWT_SECRET_FILE:-unset}|$*"\n'
    )
    fake_pulse.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "deploy" / "docker" / "entrypoint.sh"), "serve", "--workers", "2"],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "PULSE_JWT_SECRET_FILE": str(secret)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-a-file|unset|serve --workers 2"

    missing = subprocess.run(
        [str(ROOT / "deploy" / "docker" / "entrypoint.sh"), "serve"],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "PULSE_JWT_SECRET_FILE": str(tmp_path / "no")},
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 64 and "PULSE_JWT_SECRET_FILE" in missing.stderr


def test_dockerignore_keeps_what_the_build_copies() -> None:
    sent = [
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE)
    sources = [source.rstrip("/") for line in copied for source in line.split()]
    assert "deploy/docker/entrypoint.sh" in sources
    for source in sources:
        assert any(source == s or source.startswith(f"{s}/") for s in sent), f"{source} not sent"
