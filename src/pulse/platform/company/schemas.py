"""API shapes of the company settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from pulse.platform.money import TaxRate as Rate
from pulse.platform.validation import Email, JsonInt, NoNul, RequestModel

CompanyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), NoNul]
TaxId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[A-Za-z0-9 ./-]*$"),
]
Currency = Annotated[
    str,
    StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$"),
]
LocaleTag = Annotated[
    str,
    StringConstraints(
        min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
    ),
]
PaymentTerms = Annotated[int, Field(ge=0, le=365), JsonInt]
Month = Annotated[int, Field(ge=1, le=12), JsonInt]
Day = Annotated[int, Field(ge=1, le=31), JsonInt]
# Ends with no digit, so a number always splits back into its prefix and its value (and
# a prefix change can never make a number that was already issued); object keys take it.
Prefix = Annotated[
    str, StringConstraints(max_length=10, pattern=r"^([A-Za-z0-9._-]*[A-Za-z._-])?$")
]
Width = Annotated[int, Field(ge=1, le=10), JsonInt]
NextNumber = Annotated[int, Field(ge=1, le=2_000_000_000), JsonInt]
TaxCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
]
TaxName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul
]
# The logo as base64 (a JSON body, like every other); 96 KiB of image at most, so
# that even a refused, JSON-escaped body stays under the request body limit.
MAX_LOGO_BYTES = 96 * 1024
LogoData = Annotated[str, StringConstraints(min_length=1, max_length=(MAX_LOGO_BYTES + 2) // 3 * 4)]


class _In(RequestModel):
    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        # The schema has no null; a field is left out to keep its value.
        for name in sorted(self.model_fields_set):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null: leave it out to keep its value")
        return self


class CompanyDetails(BaseModel):
    """The company as its documents print it and an admin edits it."""

    name: str
    address: str
    tax_id: str
    email: str
    currency: str
    locale: str
    payment_terms_days: int
    fiscal_year_start_month: int
    fiscal_year_start_day: int


class CompanyRead(CompanyDetails):
    has_logo: bool
    revision: int
    updated_at: datetime | None
    updated_by: str | None


class CompanyUpdate(_In):
    """Every field optional; none can be cleared to null."""

    name: CompanyName | SkipJsonSchema[None] = None
    address: Address | SkipJsonSchema[None] = None
    tax_id: TaxId | SkipJsonSchema[None] = None
    email: Email | SkipJsonSchema[None] = None
    currency: Currency | SkipJsonSchema[None] = None
    locale: LocaleTag | SkipJsonSchema[None] = None
    payment_terms_days: PaymentTerms | SkipJsonSchema[None] = None
    fiscal_year_start_month: Month | SkipJsonSchema[None] = None
    fiscal_year_start_day: Day | SkipJsonSchema[None] = None


class LogoUpload(_In):
    content_type: Literal["image/png", "image/jpeg"]
    data: LogoData = Field(description="The image, base64-encoded (96 KiB at most)")


class TaxRateRead(BaseModel):
    code: str
    name: str
    rate: Decimal
    active: bool
    updated_at: datetime


class TaxRateCreate(_In):
    code: TaxCode
    name: TaxName
    rate: Rate
    active: StrictBool = True


class TaxRateUpdate(_In):
    name: TaxName | SkipJsonSchema[None] = None
    rate: Rate | SkipJsonSchema[None] = None
    active: StrictBool | SkipJsonSchema[None] = None


class SeriesRead(BaseModel):
    series: str
    prefix: str
    width: int
    next_number: int
    # The next number as it will be printed, e.g. INV-000046.
    next_formatted: str
    # Whether a number may be skipped (orders) or never (invoices, credit notes).
    gapless: bool


class SeriesUpdate(_In):
    prefix: Prefix | SkipJsonSchema[None] = None
    width: Width | SkipJsonSchema[None] = None
    next_number: NextNumber | SkipJsonSchema[None] = None
