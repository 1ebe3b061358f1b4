"""The alert rules of deploy/prometheus: valid, each unit-tested with promtool, each with its
runbook section, and reading metrics that exist."""

from __future__ import annotations

import subprocess

from tests.deploy.files import (
    FOREIGN_METRIC_PREFIXES,
    PENDING_METRICS,
    ROOT,
    RULE_TESTS,
    RULES,
    load_yaml,
    metric_is_defined,
    pulse_metric_names,
    tool,
)

PROMTOOL = ROOT / ".tools" / "promtool" / "usr" / "bin" / "promtool"


def alerts() -> list[dict]:
    return [rule for group in load_yaml(RULES)["groups"] for rule in group["rules"]]


def test_promtool_checks_the_rules() -> None:
    result = subprocess.run(
        [tool("promtool", PROMTOOL), "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass() -> None:
    result = subprocess.run(
        [tool("promtool", PROMTOOL), "test", "rules", str(RULE_TESTS)],
        capture_output=True,
        text=True,
        cwd=RULE_TESTS.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_is_unit_tested_and_has_a_runbook_section() -> None:
    tested = {
        case["alertname"]
        for test in load_yaml(RULE_TESTS)["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    runbook = (ROOT / "docs" / "RUNBOOK.md").read_text().lower()
    for rule in alerts():
        assert rule["alert"] in tested, f"{rule['alert']} never fires in a test"
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert f"## {anchor}" in runbook, f"docs/RUNBOOK.md has no section {anchor}"


def test_the_rules_cover_what_the_issue_asks_for() -> None:
    names = {rule["alert"] for rule in alerts()}
    assert {
        "PulseLowStock",
        "PulsePaymentsFailing",
        "PulseConsumerLag",
        "PulseDeadLetters",
        "PulseHighErrorRate",
        "PulseHighLatency",
        "PulseBackupTooOld",
        "PulseCertificateExpiresSoon",
    } <= names


def test_the_rules_read_metrics_the_code_exports() -> None:
    used = set().union(*(pulse_metric_names(rule["expr"]) for rule in alerts()))
    assert "pulse_stock_low_products" in used
    for name in used:
        assert metric_is_defined(name) or name in PENDING_METRICS, f"no code exports {name}"
    for name in PENDING_METRICS:
        assert name in used or name.startswith(FOREIGN_METRIC_PREFIXES)
