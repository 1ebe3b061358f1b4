"""The compose stack's Prometheus, Grafana and Keycloak configuration: Prometheus scrapes every
process, the system dashboard reads provisioned data sources and real metrics, the realm
carries the product's roles and a public web client with PKCE."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from pulse.platform.auth.permissions import Role
from tests.deploy.files import (
    COMPOSE_DIR,
    COMPOSE_FILE,
    DEPLOY,
    PENDING_METRICS,
    ROOT,
    load_yaml,
    metric_is_defined,
    pulse_metric_names,
    tool,
)
from tests.deploy.test_alert_rules import PROMTOOL

PROMETHEUS = COMPOSE_DIR / "prometheus" / "prometheus.yml"
SYSTEM_DASHBOARD = DEPLOY / "grafana" / "system" / "pulse-system.json"
# Services whose metrics an exporter serves, and the exporter.
SCRAPED_THROUGH = {
    "postgres": "postgres-exporter",
    "nats": "nats-exporter",
    "backup": "node-exporter",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE_FILE)


def scrape_hosts() -> dict[str, set[int]]:
    """Host name → ports Prometheus scrapes there."""
    hosts: dict[str, set[int]] = {}
    for job in load_yaml(PROMETHEUS)["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                hosts.setdefault(host, set()).add(int(port))
        for dns in job.get("dns_sd_configs", []):
            for name in dns["names"]:
                hosts.setdefault(name, set()).add(int(dns["port"]))
    return hosts


def test_promtool_accepts_the_prometheus_configuration() -> None:
    result = subprocess.run(
        [tool("promtool", PROMTOOL), "check", "config", "--syntax-only", str(PROMETHEUS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_every_process_of_the_stack(compose: dict[str, Any]) -> None:
    hosts = scrape_hosts()
    hosts.setdefault("prometheus", set()).update(hosts.get("localhost", set()))
    for name, service in compose["services"].items():
        if service.get("restart") == "no":
            continue
        assert SCRAPED_THROUGH.get(name, name) in hosts, f"nothing scrapes {name}"
    # The Pulse processes on the port they serve metrics on.
    assert hosts["api"] == {8000} and hosts["analytics"] == {8000}
    for role in ("relay", "worker"):
        port = int(compose["services"][role]["environment"]["PULSE_METRICS_PORT"])
        assert hosts[role] == {port}
    # The alert rules are loaded from where compose mounts them.
    mounts = compose["services"]["prometheus"]["volumes"]
    assert "../prometheus/rules:/etc/prometheus/rules:ro" in mounts
    assert load_yaml(PROMETHEUS)["rule_files"] == ["/etc/prometheus/rules/*.yml"]


def test_the_system_dashboard_reads_provisioned_sources_and_real_metrics(
    compose: dict[str, Any],
) -> None:
    board = json.loads(SYSTEM_DASHBOARD.read_text())
    provisioned = load_yaml(COMPOSE_DIR / "grafana" / "provisioning" / "datasources" / "stack.yaml")
    uids = {source["uid"] for source in provisioned["datasources"]}
    expressions = []
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] in uids, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] in uids
            expressions.append(target["expr"])
    used = set().union(*(pulse_metric_names(e) for e in expressions))
    assert {"pulse_http_requests_total", "pulse_consumer_lag"} <= used
    for name in used:
        assert metric_is_defined(name) or name in PENDING_METRICS, f"no code exports {name}"
    provider = load_yaml(COMPOSE_DIR / "grafana" / "provisioning" / "dashboards" / "system.yaml")
    path = provider["providers"][0]["options"]["path"]
    assert f"../grafana/system:{path}:ro" in compose["services"]["grafana"]["volumes"]


def test_the_realm_has_the_product_roles_and_a_public_pkce_client() -> None:
    realm = json.loads((COMPOSE_DIR / "keycloak" / "pulse-realm.json").read_text())
    assert {role["name"] for role in realm["roles"]["realm"]} == {role.value for role in Role}
    [client] = realm["clients"]
    assert client["clientId"] == "pulse-web" and client["publicClient"] is True
    assert client["standardFlowEnabled"] and not client["implicitFlowEnabled"]
    assert not client["directAccessGrantsEnabled"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert client["redirectUris"] == ["https://${PULSE_DOMAIN}/app/*"]


def test_no_file_of_the_stack_holds_a_secret() -> None:
    pattern = re.compile(r"(password|secret|token)\s*[:=]\s*['\"]?[A-Za-z0-9+/]{12,}", re.I)
    for path in COMPOSE_DIR.rglob("*"):
        if path.is_file() and "secrets" not in path.relative_to(ROOT).parts:
            assert not pattern.search(path.read_text()), path
