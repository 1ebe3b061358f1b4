"""Money arithmetic every module shares: amounts are Decimal, rounded half-up to the cent
(docs/PRODUCT.md §3), and no amount exceeds what a money column holds. Also the strict shape of a
decimal in a request: a JSON integer or a plain ASCII decimal string, as the schema says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import BeforeValidator, Field, WithJsonSchema

from pulse.platform.errors import InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a money column (NUMERIC(14, 2)) holds.
MAX_AMOUNT = Decimal("999999999999.99")


def require_storable(amount: Decimal, *, what: str, field: str) -> None:
    """Refuse (400 `amount_too_large` at `field`) an amount a money column cannot hold;
    `what` names it with its value, e.g. "the order total 1000000000000.00"."""
    if amount > MAX_AMOUNT:
        raise InvalidInput(
            f"{what} is more than the largest amount, {MAX_AMOUNT}",
            code="amount_too_large",
            field=field,
        )


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# Plain ASCII decimal text, maybe negative, without leading zeros: beyond PATTERN only by
# its sign, size or places, which the Field() bounds refuse with their own messages.
_PLAIN = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
# "-0" is 0 to Decimal, but no schema pattern takes it.
_NEGATIVE_ZERO = re.compile(r"-0(\.0+)?")


def plain_decimal(
    pattern: str,
    *,
    example: str,
    places: int,
    le: Decimal | int,
    gt: int | None = None,
    ge: int | None = None,
) -> GroupedMetadata:
    """The metadata of a Decimal field (`Annotated[Decimal, plain_decimal(...)]`) of at most
    PLACES decimal places, from GE (or above GT) to LE, that takes a JSON integer in that
    range or a string fully matching PATTERN (ASCII digits, no sign, spaces, underscores or
    exponent), and nothing else.

    Python's Decimal() would take "١٢", "1_000", " 5 " and "1e2"; the schema promises less,
    so the field takes what the schema says. Plain text that is only out of range, negative
    or too precise gets the bound's own message ("greater than or equal to 0"). A Decimal
    from Python code is taken as it is (the bounds still apply). Zeros past the places
    change nothing ("19.990").
    """
    compiled = re.compile(pattern)
    # The integers in range, and the digits the largest value has with its places.
    low = ge if ge is not None else (gt or 0) + 1
    high = int(le)
    max_digits = len(str(high)) + places

    def check(value: Any) -> Any:
        if isinstance(value, Decimal):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, str) and compiled.fullmatch(value):
            return Decimal(value)
        plain = isinstance(value, str) and _PLAIN.fullmatch(value)
        if plain and not _NEGATIVE_ZERO.fullmatch(value):
            # Plain text out of range or with too many places: the bounds below say which.
            return Decimal(value)
        if isinstance(value, float) and value.is_integer():
            # JSON Schema counts 5.0 as the integer 5.
            return Decimal(int(value))
        if isinstance(value, float):
            raise ValueError(f'give a fraction as a string, e.g. "{example}"')
        raise ValueError(
            f'must be a plain decimal such as "{example}" (ASCII digits, at most '
            f"{places} decimal places, no sign, spaces or exponent)"
        )

    schema = {
        "anyOf": [
            {"type": "integer", "minimum": low, "maximum": high},
            {"type": "string", "pattern": pattern, "examples": [example]},
        ]
    }
    return _Metadata(
        (
            BeforeValidator(check),
            Field(gt=gt, ge=ge, le=le, max_digits=max_digits, decimal_places=places),
            WithJsonSchema(schema, mode="validation"),
        )
    )


@dataclass(frozen=True)
class _Metadata(GroupedMetadata):
    """Several pieces of field metadata as one `Annotated` item (pydantic unpacks it)."""

    items: tuple[Any, ...]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


# A price or unit price: 0 to 999,999,999.99.
Price = Annotated[
    Decimal,
    plain_decimal(
        r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2}0*)?$",
        example="19.99",
        ge=0,
        le=Decimal("999999999.99"),
        places=2,
    ),
]
# An amount paid, refunded or credited: more than 0, at most 9,999,999,999.99.
Amount = Annotated[
    Decimal,
    plain_decimal(
        r"^([1-9][0-9]{0,9}(\.[0-9]{1,2}0*)?|0\.([1-9][0-9]?|0[1-9])0*)$",
        example="120.50",
        gt=0,
        le=Decimal("9999999999.99"),
        places=2,
    ),
]
# A tax rate as a fraction: 0 to 1, four places ("0.2000" is 20 %).
TaxRate = Annotated[
    Decimal,
    plain_decimal(
        r"^(0(\.[0-9]{1,4}0*)?|1(\.0+)?)$",
        example="0.2000",
        ge=0,
        le=1,
        places=4,
    ),
]
