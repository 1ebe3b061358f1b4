"""Loading the rules file: what is refused, with a message naming the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulse.analytics.recommendations import (
    RulesError,
    load_rules,
    parse_rules,
)

SHIPPED = Path(__file__).parents[3] / "src" / "pulse" / "analytics" / "rules.yaml"


# -- loading ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "  - {id: stock, kind: restock, message: hi}",
            "rule 'stock' (rules[0]): unknown kind 'restock'",
        ),
        (
            "  - {id: stock, kind: reorder, message: hi, safety_day: 3}",
            "rule 'stock' (rules[0]): safety_day: unknown key",
        ),
        (
            "  - {id: stock, kind: reorder, message: hi, safety_days: seven}",
            "rule 'stock' (rules[0]): safety_days: Input should be a valid integer",
        ),
        (
            "  - {id: stock, kind: reorder, message: hi, enabled: 'no'}",
            "rule 'stock' (rules[0]): enabled: Input should be a valid boolean",
        ),
        (
            "  - {id: stock, kind: reorder, message: 'order {qty} of {sku}'}",
            "rule 'stock' (rules[0]): message: unknown field 'qty'",
        ),
        (
            "  - {id: late, kind: dunning, message: '{balance:.2f}'}",
            "rule 'late' (rules[0]): message: not a valid template",
        ),
        (
            "  - {id: late, kind: dunning, message: hi, severity: urgent}",
            "rule 'late' (rules[0]): severity: Input should be 'info', 'warning' or 'critical'",
        ),
        (
            "  - {id: late, kind: dunning, message: hi, levels: [{after_days: 9, level: a},"
            " {after_days: 3, level: b}]}",
            "rule 'late' (rules[0]): levels: after_days must go strictly up",
        ),
        (
            "  - {id: drop, kind: revenue_drop, message: hi, threshold_pct: lots}",
            "rule 'drop' (rules[0]): threshold_pct:",
        ),
        (
            "  - {id: a, kind: slow_movers, message: hi}\n  - {id: a, kind: reorder, message: hi}",
            "rule 'a' (rules[1]): duplicate id",
        ),
    ],
    ids=[
        "unknown-kind",
        "unknown-key",
        "bad-int",
        "bad-bool",
        "unknown-field",
        "bad-format",
        "bad-severity",
        "levels-order",
        "bad-decimal",
        "duplicate-id",
    ],  # fmt: skip
)
def test_load_rules_rejects(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nrules:\n" + body + "\n")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert expected in str(err.value)
    assert str(path) in str(err.value)


def test_load_rules_rejects_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(path)
    path.write_text("rules: [\n")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(path)
    path.write_text("rule: []\n")
    with pytest.raises(RulesError, match="unknown top-level key"):
        load_rules(path)


def test_load_rules_defaults() -> None:
    rule = parse_rules("rules:\n  - {id: r, kind: reorder, message: '{sku}'}").rules[0]
    assert rule.enabled and rule.severity == "warning"
    assert (rule.demand_window_days, rule.safety_days) == (28, 7)
    assert issubclass(RulesError, ValueError)
