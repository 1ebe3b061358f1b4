"""A decimal in a request is a JSON integer or a plain ASCII decimal string, exactly what the
schema's pattern says: Python's Decimal() alone would take other digits, underscores,
padding and exponents."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from pulse.platform.money import Amount, Price, TaxRate

PRICE = TypeAdapter(Price)


@pytest.mark.parametrize(
    "text",
    ["١٢", "１２", "1_000", " 5", "5 ", "5\n", "1e2", "+5", "-1", "0x10", "NaN", "", "007", "5."],
)
def test_money_text_beyond_plain_ascii_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        PRICE.validate_python(text)


@pytest.mark.parametrize("value", [True, 1.5, None, [], "1000000000"])
def test_other_shapes_and_out_of_range_are_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        PRICE.validate_python(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19.99", "19.99"), ("0", "0"), ("19.990", "19.990"), (5, "5"), (5.0, "5"), ("0.5", "0.5")],
)
def test_plain_decimals_are_taken(value: Any, expected: str) -> None:
    assert PRICE.validate_python(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("kind", "value", "taken"),
    [
        (Amount, "0", False),
        (Amount, "0.00", False),
        (Amount, "0.01", True),
        (Amount, "9999999999.99", True),
        (TaxRate, "1.0000", True),
        (TaxRate, "1.0001", False),
        (TaxRate, "0.20000", True),
        (TaxRate, "0.20001", False),
    ],
)
def test_the_schema_pattern_is_the_rule(kind: Any, value: str, taken: bool) -> None:
    adapter = TypeAdapter(kind)
    pattern = adapter.json_schema()["anyOf"][1]["pattern"]
    assert bool(re.fullmatch(pattern, value)) is taken
    if taken:
        adapter.validate_python(value)
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)
