"""ExactDecimal: money and rates stored exactly on SQLite (scaled integers) and as quantized
NUMERIC elsewhere, always rounded half-up on the way in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, func, insert, select
from sqlalchemy.dialects import postgresql

from pulse.platform.db import ExactDecimal, Money, Rate


@pytest.fixture
def ledger() -> tuple[object, Table]:
    metadata = MetaData()
    table = Table(
        "t",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("amount", Money()),
        Column("rate", Rate()),
    )
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    return engine, table


def test_tenths_add_up_exactly(ledger: tuple) -> None:
    engine, table = ledger
    with engine.begin() as conn:
        conn.execute(insert(table), [{"amount": Decimal("0.1")}, {"amount": Decimal("0.2")}])
        conn.execute(insert(table), [{"amount": Decimal("0.10")}] * 997)
        total = conn.execute(select(func.sum(table.c.amount))).scalar_one()
        stored = conn.exec_driver_sql("SELECT amount FROM t ORDER BY id LIMIT 2").all()
    assert total == Decimal("100.00")  # 0.1 + 0.2 + 997 × 0.1, with no binary drift
    assert isinstance(total, Decimal)
    assert [row[0] for row in stored] == [10, 20]  # whole cents, not floating point


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0.30", "0.30"),
        ("0.005", "0.01"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
        ("999999999999.99", "999999999999.99"),
        ("12", "12.00"),
        ("1E+3", "1000.00"),
    ],
)
def test_money_round_trip(ledger: tuple, given: str, expected: str) -> None:
    engine, table = ledger
    with engine.begin() as conn:
        conn.execute(insert(table), [{"amount": Decimal(given)}])
        value = conn.execute(select(table.c.amount)).scalar_one()
    assert value == Decimal(expected)
    assert str(value) == expected


def test_rates_keep_four_places(ledger: tuple) -> None:
    engine, table = ledger
    with engine.begin() as conn:
        conn.execute(insert(table), [{"rate": Decimal("0.0725")}, {"rate": Decimal("0.07255")}])
        rates = conn.execute(select(table.c.rate).order_by(table.c.id)).scalars().all()
    assert [str(r) for r in rates] == ["0.0725", "0.0726"]


def test_null_stays_null(ledger: tuple) -> None:
    engine, table = ledger
    with engine.begin() as conn:
        conn.execute(insert(table), [{"amount": None}])
        assert conn.execute(select(table.c.amount)).scalar_one() is None


def test_elsewhere_it_is_a_quantized_numeric() -> None:
    money = ExactDecimal(14, 2)
    dialect = postgresql.dialect()
    assert money.process_bind_param(Decimal("1.005"), dialect) == Decimal("1.01")
    assert str(money.process_result_value(Decimal("3.1"), dialect)) == "3.10"
    impl = money.load_dialect_impl(dialect)
    assert (impl.precision, impl.scale) == (14, 2)
