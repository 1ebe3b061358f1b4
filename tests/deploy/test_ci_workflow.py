"""The CI workflow for those who host the code on GitHub: a valid workflow that runs the test
command and builds the image for both architectures with buildx."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.deploy.files import ROOT, load_yaml, vendored_schema

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document = load_yaml(WORKFLOW)
    # PyYAML reads YAML 1.1, where the key `on` is the boolean true; GitHub reads YAML 1.2.
    document["on"] = document.pop(True)
    return document


def steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def test_the_workflow_follows_the_github_workflow_schema(workflow: dict[str, Any]) -> None:
    jsonschema.validate(workflow, vendored_schema("github-workflows"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**workflow, "jobs": {"test": {"steps": []}}}, vendored_schema("github-workflows")
        )


def test_it_runs_the_test_command_with_ci_set(workflow: dict[str, Any]) -> None:
    assert workflow["jobs"]["test"]["env"]["CI"] == "true"
    assert any(str(step.get("run", "")).startswith("make test") for step in steps(workflow, "test"))


def test_it_builds_the_image_for_amd64_and_arm64_with_buildx(workflow: dict[str, Any]) -> None:
    image = steps(workflow, "image")
    uses = [step.get("uses", "") for step in image]
    assert any(u.startswith("docker/setup-qemu-action") for u in uses)
    assert any(u.startswith("docker/setup-buildx-action") for u in uses)
    [build] = [step for step in image if step.get("uses", "").startswith("docker/build-push")]
    assert set(build["with"]["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert workflow["jobs"]["image"]["needs"] == "test"
