"""What the deployment tests share: where the files are, how to read them, the tools they run."""

from __future__ import annotations

import json
import os
import re
import shutil
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers import in_ci

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_DIR = DEPLOY / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
K8S = DEPLOY / "k8s"
RULES = DEPLOY / "prometheus" / "rules" / "pulse.yml"
RULE_TESTS = DEPLOY / "prometheus" / "tests" / "pulse.test.yml"
RUNBOOK = ROOT / "docs" / "RUNBOOK.md"

# Metrics the deployment reads before the code exports them; each must be in src/ or deploy/
# or named here with the change that brings it.
PENDING_METRICS: dict[str, str] = {}
# Metrics of the servers beside Pulse (Traefik, cert-manager, kube-state-metrics, node-exporter,
# Prometheus itself) that the rules and the system dashboard read.
FOREIGN_METRIC_PREFIXES = ("traefik_", "certmanager_", "kube_", "node_", "process_", "up")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_yaml_documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@cache
def vendored_schema(name: str) -> dict[str, Any]:
    """A JSON schema shipped by check-jsonschema (vendor/<name>.json): no network."""
    folder = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(folder.joinpath(f"{name}.json").read_text())


def tool(name: str, *candidates: Path) -> str:
    """The path of a command-line tool; skipped when missing, a failure under CI=true."""
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (make test installs it)"
    if in_ci():
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def venv_tool(name: str) -> str:
    return tool(name, ROOT / ".venv" / "bin" / name)


METRIC = re.compile(r"\b(pulse_[a-z0-9_]+?)(?:_bucket|_count|_sum)?\b")


def pulse_metric_names(text: str) -> set[str]:
    return set(METRIC.findall(text))


@cache
def source_text() -> str:
    parts = [p.read_text() for p in (ROOT / "src").rglob("*.py")]
    parts += [p.read_text() for p in DEPLOY.rglob("*.sh")]
    return "\n".join(parts)


def metric_is_defined(name: str) -> bool:
    """Exported by the code (a metric's name in quotes) or written by a deployment script."""
    text = source_text()
    return f'"{name}"' in text or f"\n{name} " in text
