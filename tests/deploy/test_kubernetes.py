"""deploy/k8s: the kustomization renders, every resource is valid against the Kubernetes
schemas, and the manifests hold what running Pulse ERP there needs (probes, requests and
limits, PDBs, an HPA, a replicated NATS cluster, TLS, backups)."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import kubernetes_validate
import pytest
import yaml

from pulse.platform.settings import Settings
from tests.deploy.files import K8S
from tests.deploy.kustomize import pod_specs, render

KUBERNETES_VERSION = "1.31.0"
# Kinds from operators, outside the Kubernetes schemas: checked by the tests below instead.
OPERATOR_KINDS = {"Cluster"}
PULSE_ROLES = {"pulse-api", "pulse-worker", "pulse-relay", "pulse-analytics"}


@pytest.fixture(scope="module")
def resources() -> list[dict[str, Any]]:
    return render(K8S)


def by_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for pod in pod_specs(resource) for c in pod.get("containers", [])]


def test_every_resource_is_valid_against_the_kubernetes_schemas(
    resources: list[dict[str, Any]],
) -> None:
    checked = 0
    for resource in resources:
        if resource["kind"] in OPERATOR_KINDS:
            continue
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 15


def test_the_schemas_do_catch_a_mistake(resources: list[dict[str, Any]]) -> None:
    deployment = yaml.safe_load(yaml.safe_dump(by_kind(resources, "Deployment")["pulse-api"]))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment["spec"]["replicas"] = 2
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_renderer_agrees_with_kubectl_kustomize(resources: list[dict[str, Any]]) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the test renderer alone is used")
    built = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=True
    )
    theirs = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    key = lambda r: (r["kind"], r["metadata"]["name"])  # noqa: E731
    assert sorted(theirs, key=key) == sorted(resources, key=key)


def test_every_pulse_process_has_probes_requests_and_limits(
    resources: list[dict[str, Any]],
) -> None:
    deployments = by_kind(resources, "Deployment")
    assert PULSE_ROLES <= set(deployments)
    for name in PULSE_ROLES:
        for container in containers(deployments[name]):
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
            if name in ("pulse-api", "pulse-analytics"):
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert "memory" in container["resources"]["limits"], name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
    for resource in resources:
        for pod in pod_specs(resource):
            for container in pod.get("initContainers", []) + pod["containers"]:
                assert container["resources"]["limits"].get("memory"), resource["metadata"]


def test_the_api_scales_and_the_critical_parts_keep_a_quorum(
    resources: list[dict[str, Any]],
) -> None:
    hpa = by_kind(resources, "HorizontalPodAutoscaler")["pulse-api"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "pulse-api"
    assert hpa["spec"]["minReplicas"] >= 2
    assert set(by_kind(resources, "PodDisruptionBudget")) >= {
        "pulse-api",
        "pulse-worker",
        "pulse-analytics",
        "pulse-nats",
    }


def test_nats_is_a_three_node_cluster_with_replicated_streams(
    resources: list[dict[str, Any]],
) -> None:
    nats = by_kind(resources, "StatefulSet")["pulse-nats"]
    assert nats["spec"]["replicas"] == 3
    conf = by_kind(resources, "ConfigMap")["pulse-nats"]["data"]["nats.conf"]
    for n in range(3):
        assert f"nats://pulse-nats-{n}.pulse-nats:6222" in conf
    config = by_kind(resources, "ConfigMap")["pulse-config"]["data"]
    assert config["PULSE_NATS_STREAM_REPLICAS"] == "3"
    assert len(config["PULSE_BUS_URL"].split(",")) == 3


def test_the_settings_named_are_pulse_settings(resources: list[dict[str, Any]]) -> None:
    known = {f"PULSE_{field.upper()}" for field in Settings.model_fields}
    named = set(by_kind(resources, "ConfigMap")["pulse-config"]["data"])
    for resource in resources:
        for container in containers(resource):
            named |= {e["name"] for e in container.get("env", []) if e["name"].startswith("PULSE")}
    assert {"PULSE_DATABASE_URL", "PULSE_BUS_URL", "PULSE_S3_SECRET_KEY"} <= named
    assert named <= known, sorted(named - known)


def test_analytics_rebuilds_from_the_stream_on_a_fresh_volume(
    resources: list[dict[str, Any]],
) -> None:
    analytics = by_kind(resources, "Deployment")["pulse-analytics"]
    [pod] = pod_specs(analytics)
    [rebuild] = pod["initContainers"]
    assert rebuild["args"] == ["analytics", "project"]
    assert pod["containers"][0]["args"] == ["serve", "--consumers", "analytics"]
    data = {v["name"]: v for v in pod["volumes"]}["data"]
    assert "emptyDir" in data


def test_database_tls_ingress_and_backups(resources: list[dict[str, Any]]) -> None:
    cluster = by_kind(resources, "Cluster")["pulse-db"]
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["instances"] >= 2
    assert cluster["spec"]["bootstrap"]["initdb"]["database"] == "pulse"
    ingress = by_kind(resources, "Ingress")["pulse"]
    assert "cert-manager.io/cluster-issuer" in ingress["metadata"]["annotations"]
    assert ingress["spec"]["tls"][0]["secretName"]
    backends = {
        p["path"]: p["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {"/query": "pulse-analytics", "/stats": "pulse-analytics", "/": "pulse-api"}
    backup = by_kind(resources, "CronJob")["pulse-backup"]
    [pod] = pod_specs(backup)
    assert "pg_dump" in " ".join(pod["initContainers"][0]["args"])
    assert "mc" in " ".join(pod["containers"][0]["args"])
    services = set(by_kind(resources, "Service"))
    assert {"pulse-api", "pulse-analytics", "pulse-nats"} <= services
