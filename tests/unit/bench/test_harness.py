"""The bench harness's own logic: the docs section writer, the statistics, the command line,
the load tallies and the outbox arithmetic (no server)."""

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from bench.harness import cli, docs, load, outbox, scenario, stats

SECTIONS = (
    "# Performance\n\n<!-- a:start -->\nold a\n<!-- a:end -->\n\nbetween\n\n"
    "<!-- b:start -->\nb\n<!-- b:end -->\n"
)


def test_replace_block_rewrites_its_section_and_leaves_the_rest_as_it_was() -> None:
    text = docs.replace_block(SECTIONS, "a", "\nnew a\n\n")
    assert text == SECTIONS.replace("old a", "new a")


def test_replace_block_appends_a_section_the_file_does_not_have_yet() -> None:
    text = docs.replace_block(SECTIONS, "c", "c body")
    assert text.startswith(SECTIONS.rstrip("\n"))
    assert text.endswith("\n\n<!-- c:start -->\nc body\n<!-- c:end -->\n")


def test_kept_block_is_the_section_with_its_markers_or_nothing() -> None:
    assert docs.kept_block(SECTIONS, "b") == "<!-- b:start -->\nb\n<!-- b:end -->"
    assert docs.kept_block(SECTIONS, "missing") == ""
    assert docs.kept_block("<!-- a:start --> no end", "a") == ""


def test_write_section_creates_the_file_then_rewrites_only_its_section(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "PERFORMANCE.md"
    docs.write_section("x", "first", path)
    docs.write_section("y", "other", path)
    docs.write_section("x", "second", path)
    text = path.read_text()
    assert text.startswith("# Performance\n")
    assert "<!-- x:start -->\nsecond\n<!-- x:end -->" in text
    assert "first" not in text
    assert text.index("<!-- x:start -->") < text.index("<!-- y:start -->")


def test_fmt_groups_thousands_and_marks_a_missing_value() -> None:
    assert docs.fmt(None) == "—"
    assert docs.fmt(1234.567) == "1,234.6"
    assert docs.fmt(1234.567, 2) == "1,234.57"
    assert docs.fmt(1234567) == "1,234,567"
    assert docs.fmt("text") == "text"


def test_percentile_interpolates_between_the_closest_ranks() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert stats.percentile(values, 50) == 3.0
    assert stats.percentile(values, 95) == pytest.approx(4.8)
    assert stats.percentile(values, 0) == 1.0
    assert stats.percentile(values, 100) == 5.0
    assert stats.percentile([7.0], 99) == 7.0
    assert stats.percentile([], 50) is None


def test_summary_ms_is_in_milliseconds_and_empty_without_values() -> None:
    summary = stats.summary_ms([0.004, 0.001, 0.002, 0.003])
    assert summary["count"] == 4
    assert summary["p50"] == 2.5
    assert summary["max"] == 4.0
    assert summary["mean"] == 2.5
    assert stats.summary_ms([])["p95"] is None


def test_median_of_leaves_missing_values_out() -> None:
    assert stats.median_of([3, None, 1, 2]) == 2.0
    assert stats.median_of([None, None]) is None


def _parser() -> argparse.ArgumentParser:
    parser = cli.parser("example", "An example.\n\nMore text.")
    cli.add_point_flags(parser)
    cli.add_output_flags(parser, quick="short")
    return parser


def test_parse_fills_unset_options_with_the_full_or_the_quick_default() -> None:
    full = cli.parse(_parser(), [], cli.POINTS)
    assert (full.duration, full.warmup, full.rounds) == (5.0, 1.0, 3)
    quick = cli.parse(_parser(), ["--quick", "--rounds", "2"], cli.POINTS)
    assert (quick.duration, quick.warmup, quick.rounds) == (2.0, 0.5, 2)
    assert quick.concurrencies == [1, 10, 100]
    assert cli.parse(_parser(), ["--concurrency", "4, 8,"], cli.POINTS).concurrencies == [4, 8]


def test_parser_help_names_the_module_and_the_full_run_defaults() -> None:
    text = _parser().format_help()
    assert "python -m bench.example" in text
    assert "An example." in text and "More text." not in text
    assert "seconds measured per load point (5)" in text


def test_command_says_make_only_when_make_ran_it_without_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAKELEVEL", "1")
    assert cli.command("run", [], "bench") == "make bench"
    assert cli.command("run", ["--quick"], "bench") == ".venv/bin/python -m bench.run --quick"
    monkeypatch.delenv("MAKELEVEL")
    assert cli.command("run", [], "bench") == ".venv/bin/python -m bench.run"
    assert cli.command("x", ["--sql", "a b"]) == ".venv/bin/python -m bench.x --sql 'a b'"


def test_pg_parts_fill_in_the_local_defaults() -> None:
    assert cli.pg_parts("me@db:6543") == {"user": "me", "host": "db", "port": "6543"}
    assert cli.pg_parts("@") == {"user": "postgres", "host": "127.0.0.1", "port": "5432"}


def test_a_tally_counts_only_its_ok_status_as_ok() -> None:
    result = load.LoadResult(ok_status=200, concurrency=2, duration_s=2.0)
    for status in (200, 200, 200, 409, 201):
        result.answered(status)
        result.latencies.append(0.01)
    result.failed(TimeoutError())
    summary = result.summary()
    assert (summary["ok"], summary["errors"]) == (3, 3)
    assert summary["statuses"] == {"200": 3, "201": 1, "409": 1}
    assert summary["exceptions"] == {"TimeoutError": 1}
    assert summary["throughput_rps"] == 1.5


def test_orders_are_posted_with_the_payloads_in_turn() -> None:
    requests = load.orders_from([b"a", b"b"])
    assert [requests() for _ in range(3)] == [
        ("/orders", b"a"),
        ("/orders", b"b"),
        ("/orders", b"a"),
    ]


def test_confirmation_latency_splits_each_order_into_its_stages() -> None:
    t0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

    def at(ms: int) -> datetime:
        return t0 + timedelta(milliseconds=ms)

    rows = [
        ("order.created", "o1", at(0), at(5)),
        ("stock.reserved", "o1", at(20), None),
        ("order.confirmed", "o1", at(30), None),
        ("order.created", "o2", at(100), at(110)),
        ("order.rejected", "o2", at(150), None),
        ("order.created", "other", at(0), at(1)),
        ("order.confirmed", "other", at(2), None),
    ]
    latency = outbox.confirmation_latency(rows, ["o1", "o2"])
    assert (latency["orders"], latency["confirmed"], latency["rejected"]) == (2, 1, 1)
    assert latency["created_to_confirmed_ms"]["p50"] == 30.0
    stages = latency["stages_ms"]
    assert stages["created_to_relayed"]["p50"] == 5.0
    assert stages["relayed_to_reserved"]["p50"] == 15.0
    assert stages["reserved_to_confirmed"]["p50"] == 10.0


def test_latest_is_the_newest_dated_result(tmp_path: Path) -> None:
    for day in ("2026-11-30", "2026-12-02", "2026-12-01"):
        (tmp_path / f"{day}-push.json").write_bytes(orjson.dumps({"date": day}))
    assert scenario.latest(tmp_path, "*-push.json") == {"date": "2026-12-02"}
    assert scenario.latest(tmp_path, "*-soak.json") is None


def test_save_names_the_file_by_date_and_name(tmp_path: Path) -> None:
    path = scenario.save({"date": "2026-12-02", "b": 1, "a": 2}, tmp_path / "new", "push-quick")
    assert path == tmp_path / "new" / "2026-12-02-push-quick.json"
    assert orjson.loads(path.read_bytes()) == {"date": "2026-12-02", "b": 1, "a": 2}
