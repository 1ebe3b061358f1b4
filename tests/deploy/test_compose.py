"""The compose stack (deploy/compose): valid Compose, inside the memory budget, every service
healthy-checked and restarted, secrets only from files, settings that Pulse really reads."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulse.platform.settings import Settings
from tests.deploy.files import COMPOSE_DIR, COMPOSE_FILE, ROOT, load_yaml, vendored_schema

# The plan's budget for the whole stack on an 8 GB box: below 6 GB (decimal, the stricter).
MEMORY_BUDGET_BYTES = 6 * 10**9
UNITS = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
DEFAULT = re.compile(r"^\$\{[A-Z0-9_]+:-(\d+)\}$")
STORES = {
    "postgres": "/var/lib/postgresql/data",
    "nats": "/data",
    "minio": "/data",
    "analytics": "/var/lib/pulse",
    "prometheus": "/prometheus",
    "grafana": "/var/lib/grafana",
    "loki": "/loki",
    "backup": "/backups",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE_FILE)


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def memory_bytes(text: str) -> int:
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([bkmg])b?", str(text).strip().lower())
    assert found, f"unreadable memory size {text!r}"
    return int(float(found.group(1)) * UNITS[found.group(2)])


def replicas(service: dict[str, Any]) -> int:
    value = service.get("deploy", {}).get("replicas", 1)
    if isinstance(value, str):
        default = DEFAULT.match(value)
        assert default, f"replicas {value!r} needs a numeric default"
        return int(default.group(1))
    return int(value)


@pytest.mark.parametrize("name", ["compose.yaml", "compose.acme.yaml"])
def test_the_files_follow_the_compose_specification(name: str) -> None:
    document = load_yaml(COMPOSE_DIR / name)
    jsonschema.validate(document, vendored_schema("compose-spec"))


def test_a_broken_file_is_caught_by_the_schema(compose: dict[str, Any]) -> None:
    broken = {**compose, "services": {"api": {**services(compose)["api"], "restart": 3}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, vendored_schema("compose-spec"))


def test_memory_limits_of_every_service_add_up_below_6_gb(compose: dict[str, Any]) -> None:
    total = 0
    for name, service in services(compose).items():
        limit = service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
        assert limit, f"{name} has no memory limit"
        total += memory_bytes(limit) * replicas(service)
    assert total < MEMORY_BUDGET_BYTES, f"{total / 1024**3:.2f} GiB is over the budget"
    # The sum is not trivially small either: every process of the stack is in it.
    assert total > 4 * 1024**3


def test_every_long_running_service_restarts_and_has_a_health_check(
    compose: dict[str, Any],
) -> None:
    for name, service in services(compose).items():
        if one_shot(service):
            continue
        assert service.get("restart") == "unless-stopped", name
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"


def test_one_shot_jobs_gate_the_services_that_need_them(compose: dict[str, Any]) -> None:
    jobs = {name for name, service in services(compose).items() if one_shot(service)}
    assert jobs == {"init", "minio-init"}
    for role in ("api", "analytics", "relay", "worker"):
        depends = services(compose)[role]["depends_on"]
        for job in jobs:
            assert depends[job]["condition"] == "service_completed_successfully", (role, job)


def test_every_store_keeps_its_data_in_a_named_volume(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    for name, path in STORES.items():
        mounts = {m.split(":")[1]: m.split(":")[0] for m in services(compose)[name]["volumes"]}
        assert mounts.get(path) in declared, f"{name} keeps {path} outside a named volume"


def test_bind_mounted_files_exist(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith(".") and not source.startswith("./secrets"):
                assert (COMPOSE_DIR / source).exists(), f"{name}: {source} is missing"


def test_secrets_come_from_files_that_are_never_committed(compose: dict[str, Any]) -> None:
    for name, secret in compose["secrets"].items():
        assert secret["file"].startswith("./secrets/"), name
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/compose/secrets/postgres_password"], cwd=ROOT
    )
    assert ignored.returncode == 0, "deploy/compose/secrets/ must be ignored by git"
    for name, service in services(compose).items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            assert not re.search(r"(PASSWORD|SECRET|TOKEN)$", key), f"{name}: {key} in clear"
            if key.endswith(("_FILE", "__FILE")):
                secret = str(value).removeprefix("/run/secrets/")
                assert secret in service.get("secrets", []), f"{name}: {secret} not granted"
                assert secret in compose["secrets"], f"{name}: {secret} not declared"


def pulse_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the Pulse ERP image."""
    return {
        name: service
        for name, service in services(compose).items()
        if service["image"].startswith("${PULSE_IMAGE")
    }


def test_the_pulse_settings_named_are_settings_pulse_reads(compose: dict[str, Any]) -> None:
    known = {f"PULSE_{field.upper()}" for field in Settings.model_fields}
    named = {key for s in pulse_services(compose).values() for key in s["environment"]}
    assert {"PULSE_DATABASE_URL_FILE", "PULSE_BUS_URL", "PULSE_METRICS_PORT"} <= named
    for key in named:
        assert key.removesuffix("_FILE") in known, f"{key} is no Pulse setting"


def test_pulse_roles_run_real_commands(compose: dict[str, Any]) -> None:
    from pulse.cli import app

    commands = {command.name or command.callback.__name__ for command in app.registered_commands}
    roles = {name: s["command"] for name, s in pulse_services(compose).items()}
    assert set(roles) == {"init", "api", "analytics", "relay", "worker"}
    for name, command in roles.items():
        assert command[0] in commands, f"{name}: {command}"
    assert roles["analytics"][1:] == ["--consumers", "analytics"]


def test_make_secrets_writes_every_secret_once(tmp_path: Path, compose: dict[str, Any]) -> None:
    for name in ("make-secrets.sh", ".env.example"):
        (tmp_path / name).write_bytes((COMPOSE_DIR / name).read_bytes())
    (tmp_path / "make-secrets.sh").chmod(0o755)

    first = subprocess.run(["./make-secrets.sh"], cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    for secret in compose["secrets"].values():
        assert (tmp_path / secret["file"]).read_text().strip(), secret["file"]
    for service in services(compose).values():
        for env_file in service.get("env_file", []):
            if isinstance(env_file, dict) and env_file.get("required", True):
                assert (tmp_path / env_file["path"]).is_file(), env_file["path"]
    for pem in ("cert.pem", "key.pem"):
        assert (tmp_path / "secrets" / "tls" / pem).read_text().startswith("-----BEGIN")
    url = (tmp_path / "secrets" / "pulse_database_url").read_text()
    assert url.startswith("postgresql+asyncpg://pulse:")
    assert (tmp_path / "secrets" / "postgres_password").read_text() in url

    before = {p: p.read_bytes() for p in (tmp_path / "secrets").rglob("*") if p.is_file()}
    again = subprocess.run(["./make-secrets.sh"], cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_every_variable_the_files_use_is_in_env_example() -> None:
    used = set()
    for name in ("compose.yaml", "compose.acme.yaml"):
        text = (COMPOSE_DIR / name).read_text()
        used |= set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    example = (COMPOSE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE))
    assert "PULSE_DOMAIN" in used
    assert used <= documented, sorted(used - documented)
