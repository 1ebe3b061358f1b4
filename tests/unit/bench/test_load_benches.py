"""The users, push and soak benchmarks' arithmetic and their docs sections (no server)."""

from pathlib import Path

from bench import push, report, soak, users
from bench.harness import docs


def test_the_order_flow_report_keeps_the_users_push_and_soak_sections() -> None:
    previous = ""
    for name in ("users", "push", "soak"):
        previous = docs.replace_block(previous, name, f"{name} numbers")
    text = report.markdown({}, previous)
    for name in ("users", "push", "soak"):
        assert f"<!-- {name}:start -->\n{name} numbers\n<!-- {name}:end -->" in text


def test_locust_statistics_are_read_per_action(tmp_path: Path) -> None:
    header = (
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
    )
    rows = [
        "POST,place order,120,2,30,35.5,10,410.2,900,2.0,0.03,"
        "30,32,34,36,40,95,120,300,410,410,410",
        ",Aggregated,500,2,20,25.0,5,410.2,700,8.3,0.03,20,22,24,26,30,60,90,200,410,410,410",
    ]
    (tmp_path / "locust_stats.csv").write_text("\n".join([header, *rows]) + "\n")
    stats = users.read_locust_stats(tmp_path / "locust")
    assert stats["place order"]["requests"] == 120
    assert stats["place order"]["failures"] == 2
    assert stats["place order"]["p95"] == 95.0 and stats["place order"]["p99"] == 300.0
    assert stats["all"]["p95"] == 60.0


def _users_state(place_requests: int, in_db: int, invoiced: int, paid: int) -> dict:
    return {
        "users": 10,
        "settled": True,
        "actions": {
            "log in": {"requests": 10, "failures": 0, "p95": 900.0, "rps": 0.1},
            "place order": {"requests": place_requests, "failures": 0, "p95": 80.0, "rps": 1.0},
            "dashboard": {"requests": 50, "failures": 1, "p95": 120.0, "rps": 1.0},
            "all": {"requests": 200, "failures": 1, "p95": 110.0, "rps": 9.0},
        },
        "orders": {"all": in_db, "invoiced": invoiced, "paid": paid, "placed": 0},
    }


def test_users_goal_leaves_login_out_of_the_p95_and_counts_every_order_in_the_database() -> None:
    summary = users.summarise(_users_state(place_requests=40, in_db=41, invoiced=30, paid=11))
    assert summary["worst_action_p95_ms"] == 120.0  # the dashboard, not the 900 ms login
    assert summary["login_p95_ms"] == 900.0
    assert summary["p95_goal_met"] is False
    assert summary["errors"] == 1
    assert summary["every_order_invoiced"] is True  # 41 in the database, all invoiced or paid
    missing = users.summarise(_users_state(place_requests=40, in_db=41, invoiced=29, paid=11))
    assert missing["every_order_invoiced"] is False


def test_soak_growth_is_the_slope_per_ten_minutes() -> None:
    points = [(t, 200.0 + t / 60) for t in range(0, 1200, 10)]  # 1 MiB a minute
    assert soak.slope_per_10_min(points) == 10.0
    assert soak.slope_per_10_min([(0.0, 5.0)]) is None


def test_soak_summary_by_minute_and_growth_from_warm() -> None:
    samples = [
        {"t_s": float(t), "server_mib": 100.0 + t / 60, "children_mib": 50.0}
        | {"total_mib": 150.0 + t / 60, "orders_ok": t * 50, "in_flight": 3}
        | {"server_file_mib": 90.0, "duckdb_mib": None if t < 30 else 10.0 + t / 100}
        for t in range(0, 600, 10)
    ]
    state = {
        "samples": samples,
        "memory": {"processes": {"serve": {"peak_rss_mib": 120.0, "rss_mib": 110.0}}},
    }
    summary = soak.summarise(state, minutes=10)
    assert [row["minute"] for row in summary["by_minute"]] == list(range(1, 11))
    assert summary["by_minute"][0]["total_mib"] == 150.0 + 50 / 60
    # DuckDB's figure is the largest of the minute; a sample /stats did not answer is none.
    assert summary["by_minute"][0]["duckdb_mib"] == 10.0 + 50 / 100
    assert summary["by_minute"][0]["server_file_mib"] == 90.0
    assert summary["warm_from_s"] == 300.0
    assert summary["growth_total_mib_per_10_min"] == 10.0
    assert summary["flat"] is False
    assert summary["peak_server_vmhwm_mib"] == 120.0
    assert summary["peak_goal_met"] is True


def test_push_delay_by_window_of_the_send_time() -> None:
    sent = {"a": 100.0, "b": 105.0, "c": 112.0}
    first = {"a": 100.1, "b": 105.3, "c": 113.0}
    windows = push.by_window(sent, first)
    assert [w["from_s"] for w in windows] == [0.0, 10.0]
    assert windows[0]["count"] == 2 and windows[1]["p50"] == 1000.0
