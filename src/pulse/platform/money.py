"""Money arithmetic every module shares: amounts are Decimal, rounded half-up to the cent
(SPEC §3), and no amount exceeds what a money column holds."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a money column (NUMERIC(14, 2)) holds.
MAX_AMOUNT = Decimal("999999999999.99")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
