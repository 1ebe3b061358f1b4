"""The side-by-side benchmark's ratios and its docs section (bench/side_by_side_report.py)."""

from bench import report, side_by_side_report
from bench.harness import docs


def _point(target: str, conc: int, completed: float, answers: float, p50: float) -> dict:
    return {
        "target": target,
        "concurrency": conc,
        "completed_rps": completed,
        "throughput_rps": answers,
        "p50": p50,
        "errors": 0,
    }


def test_ratios_use_the_completed_rate_at_the_highest_and_p50_at_the_lowest_concurrency() -> None:
    points = [
        _point("reference", 1, 300.0, 300.0, 2.0),
        _point("reference", 100, 500.0, 500.0, 200.0),
        _point("embedded", 1, 20.0, 25.0, 40.0),
        _point("embedded", 100, 50.0, 80.0, 900.0),
        _point("embedded", 100, 70.0, 60.0, 800.0),  # a second round: medians
    ]
    ratios = side_by_side_report.summarise(points, [1, 100])["ratios"]["embedded"]
    assert ratios["completed_rate_ratio_high"] == 0.12  # median 60 / 500, not answers 70 / 500
    assert ratios["answer_rate_ratio_high"] == 0.14
    assert ratios["p50_ratio_low"] == 20.0
    assert ratios["concurrency_high"] == 100 and ratios["concurrency_low"] == 1


def test_no_ratio_without_the_reference_service() -> None:
    summary = side_by_side_report.summarise([_point("embedded", 1, 20.0, 25.0, 40.0)], [1])
    assert summary["ratios"] == {}
    assert summary["by_target"]["embedded"]["1"]["completed_rps"] == 20.0


def test_replace_block_rewrites_only_its_own_section() -> None:
    previous = "head\n<!-- web:start -->\nweb\n<!-- web:end -->\n"
    first = docs.replace_block(previous, "side-by-side", "one")
    assert first.endswith("<!-- side-by-side:start -->\none\n<!-- side-by-side:end -->\n")
    second = docs.replace_block(first, "side-by-side", "two")
    assert "one" not in second and "\ntwo\n" in second
    assert "<!-- web:start -->\nweb\n<!-- web:end -->" in second
    assert second.count("side-by-side:start") == 1


def test_the_order_flow_report_keeps_the_side_by_side_and_stages_sections() -> None:
    previous = docs.replace_block("", "side-by-side", "ratios")
    previous = docs.replace_block(previous, "stages", "statements")
    text = report.markdown({}, previous)
    assert "<!-- side-by-side:start -->\nratios\n<!-- side-by-side:end -->" in text
    assert "<!-- stages:start -->\nstatements\n<!-- stages:end -->" in text
