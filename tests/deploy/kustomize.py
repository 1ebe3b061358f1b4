"""A small renderer of deploy/k8s/kustomization.yaml for the tests, so they need no kustomize
binary: the fields that kustomization uses (namespace, labels, resources, images), applied as
kustomize applies them. test_kubernetes.py compares it with `kubectl kustomize` where that
exists."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterIssuer"}
KNOWN_FIELDS = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}


def pod_specs(resource: dict[str, Any]) -> list[dict[str, Any]]:
    spec = resource.get("spec", {})
    if resource["kind"] == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    if "template" in spec and "spec" in spec["template"]:
        return [spec["template"]["spec"]]
    return []


def set_image(resource: dict[str, Any], images: list[dict[str, str]]) -> None:
    for pod in pod_specs(resource):
        for container in pod.get("initContainers", []) + pod.get("containers", []):
            for image in images:
                if container["image"].split(":")[0] == image["name"]:
                    name = image.get("newName", image["name"])
                    container["image"] = f"{name}:{image['newTag']}" if "newTag" in image else name


def render(folder: Path) -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KNOWN_FIELDS
    assert not unknown, f"the test renderer does not know {sorted(unknown)}"
    rendered = []
    for name in kustomization["resources"]:
        for document in yaml.safe_load_all((folder / name).read_text()):
            if document is None:
                continue
            resource = copy.deepcopy(document)
            metadata = resource.setdefault("metadata", {})
            if resource["kind"] == "Namespace":
                pass
            elif "namespace" in kustomization and resource["kind"] not in CLUSTER_SCOPED:
                metadata["namespace"] = kustomization["namespace"]
            for entry in kustomization.get("labels", []):
                assert not entry.get("includeSelectors") and not entry.get("includeTemplates")
                metadata.setdefault("labels", {}).update(entry["pairs"])
            set_image(resource, kustomization.get("images", []))
            rendered.append(resource)
    return rendered
