"""Exports: a CSV cell is never a live spreadsheet formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from pulse.analytics.export import to_csv


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.test","click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "=cmd|' /C calc'!A0",
    ],
)
def test_text_that_a_spreadsheet_would_run_is_written_as_text(name: str) -> None:
    header, row = cells(to_csv([{"customer": name, "revenue": Decimal("10.00")}]))
    assert header == ["customer", "revenue"]
    assert row == ["'" + name, "10.00"]


@pytest.mark.parametrize(
    "value", [Decimal("-12.50"), -3, "-12.50", "+7", "-1e5", 0.25, "Acme", "a=b", "O'Brien"]
)
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    _, row = cells(to_csv([{"v": value}]))
    assert row == [str(value)]


def test_a_column_name_is_escaped_too() -> None:
    header, _ = cells(to_csv([{"=1+1": 1}]))
    assert header == ["'=1+1"]
