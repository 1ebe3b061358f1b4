"""Company settings use cases: read and change the company, its logo and its tax rates.

Every change is recorded (`audit.record`) with the before and after of what it changed.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from pydantic import ConfigDict

from pulse.platform.company import repository as repo
from pulse.platform.company.audit import record
from pulse.platform.company.events import (
    Changes,
    CompanySettingsChanged,
    TaxRateChanged,
    TaxRateCreated,
)
from pulse.platform.company.models import TaxRate
from pulse.platform.company.schemas import (
    MAX_LOGO_BYTES,
    CompanyDetails,
    CompanyRead,
    CompanyUpdate,
    LogoUpload,
    TaxRateCreate,
    TaxRateRead,
    TaxRateUpdate,
)
from pulse.platform.errors import Conflict, InvalidInput, NotFound
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings
from pulse.platform.storage import ObjectStore
from pulse.platform.uow import UnitOfWork

# The largest logo in pixels each way: it is printed about 40 mm wide.
MAX_LOGO_PIXELS = 4096
_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
# An uploaded logo that is not the image it says (its bytes, not its shape, are wrong).
_BAD_LOGO = "invalid_logo"
# Rates are kept to four places (0.2000 is 20 %).
_RATE_PLACES = Decimal("0.0001")


class CompanyProfile(CompanyDetails):
    """The company as documents print it and the web app shows it, with where its logo is."""

    model_config = ConfigDict(frozen=True)

    logo_key: str | None
    logo_content_type: str | None
    revision: int
    updated_at: datetime | None
    updated_by: str | None


# The columns an admin edits through `PATCH /settings/company`, and their environment
# defaults (for a column not set yet).
EDITABLE = (
    "name",
    "address",
    "tax_id",
    "email",
    "currency",
    "locale",
    "payment_terms_days",
    "fiscal_year_start_month",
    "fiscal_year_start_day",
)


def _defaults(settings: Settings) -> dict[str, Any]:
    return {
        "name": settings.company_name,
        "address": settings.company_address,
        "tax_id": settings.company_tax_id,
        "email": settings.company_email,
        "currency": settings.currency,
        "locale": settings.locale,
        "payment_terms_days": settings.payment_terms_days,
        "fiscal_year_start_month": 1,
        "fiscal_year_start_day": 1,
    }


async def company_profile(uow: UnitOfWork, *, defaults: Settings) -> CompanyProfile:
    row = await repo.company(uow.session)
    fallback = _defaults(defaults)
    values = {name: getattr(row, name) for name in EDITABLE}
    return CompanyProfile(
        **{k: fallback[k] if v is None else v for k, v in values.items()},
        logo_key=row.logo_key,
        logo_content_type=row.logo_content_type,
        revision=row.revision,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def to_read(profile: CompanyProfile) -> CompanyRead:
    fields = profile.model_dump(exclude={"logo_content_type"})
    return CompanyRead(has_logo=fields.pop("logo_key") is not None, **fields)


async def read_company(uow: UnitOfWork, *, defaults: Settings) -> CompanyRead:
    return to_read(await company_profile(uow, defaults=defaults))


CURRENCIES = frozenset(list_currencies())


def _known_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise InvalidInput(
            f"'{code}' is not an ISO 4217 currency code (such as EUR, USD, GBP)",
            code="unknown_currency",
            field="currency",
        )
    return code


def _known_locale(tag: str) -> str:
    """A BCP 47 tag the web app and documents can format for, written as `en-GB`."""
    try:
        parsed = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        parsed = None
    if parsed is None or parsed.territory is None:
        raise InvalidInput(
            f"'{tag}' is not a known locale written as language-COUNTRY (such as en-GB, de-DE)",
            code="unknown_locale",
            field="locale",
        )
    script = f"-{parsed.script}" if parsed.script else ""
    return f"{parsed.language}{script}-{parsed.territory}"


def _check_fiscal_start(month: int, day: int) -> None:
    # Not a leap year: a fiscal year cannot start on a day most years lack.
    last = calendar.monthrange(2025, month)[1]
    if day > last:
        raise InvalidInput(
            f"the fiscal year cannot start on day {day} of month {month}, which has {last} days",
            code="invalid_fiscal_year_start",
            field="fiscal_year_start_day",
        )


async def _change(uow: UnitOfWork, values: dict[str, Any], changes: Changes) -> None:
    """Write changed columns under the row's lock, with who and when, and record it."""
    now = utcnow()
    await repo.update_company(uow.session, {**values, "updated_at": now, "updated_by": uow.actor})
    revision = (await repo.company(uow.session)).revision
    record(uow, CompanySettingsChanged(changes=changes, revision=revision))


async def update_company(
    uow: UnitOfWork, data: CompanyUpdate, *, defaults: Settings
) -> CompanyRead:
    await repo.company(uow.session, lock=True)
    current = await company_profile(uow, defaults=defaults)
    wanted = data.model_dump(exclude_unset=True)
    if "currency" in wanted:
        wanted["currency"] = _known_currency(wanted["currency"])
    if "locale" in wanted:
        wanted["locale"] = _known_locale(wanted["locale"])
    month = wanted.get("fiscal_year_start_month", current.fiscal_year_start_month)
    day = wanted.get("fiscal_year_start_day", current.fiscal_year_start_day)
    _check_fiscal_start(month, day)
    before = current.model_dump()
    changes: Changes = {k: (before[k], v) for k, v in wanted.items() if before[k] != v}
    if changes:
        await _change(uow, {k: wanted[k] for k in changes}, changes)
    return await read_company(uow, defaults=defaults)


def _decode_logo(data: LogoUpload) -> tuple[bytes, str]:
    """The image's bytes and file extension, once they are known to be the image it says."""
    try:
        raw = base64.b64decode(data.data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the logo is not valid base64", code=_BAD_LOGO, field="data") from None
    if len(raw) > MAX_LOGO_BYTES:
        raise InvalidInput(
            f"the logo is {len(raw)} bytes; at most {MAX_LOGO_BYTES} are taken",
            code=_BAD_LOGO,
            field="data",
        )
    # Pillow loads with the first logo, not with the server.
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as image:
            kind = _FORMATS.get(image.format or "")
            width, height = image.size
            image.verify()
    except Exception:  # noqa: BLE001 - any failure to read an uploaded image is the image's
        raise InvalidInput(
            "the logo is not a readable PNG or JPEG image", code=_BAD_LOGO, field="data"
        ) from None
    if kind is None:
        raise InvalidInput("the logo must be a PNG or JPEG image", code=_BAD_LOGO, field="data")
    if kind != data.content_type:
        raise InvalidInput(
            f"the logo is a {kind} image, not {data.content_type}",
            code=_BAD_LOGO,
            field="content_type",
        )
    if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
        raise InvalidInput(
            f"the logo is {width}x{height} pixels; at most {MAX_LOGO_PIXELS} each way",
            code=_BAD_LOGO,
            field="data",
        )
    return raw, "png" if kind == "image/png" else "jpg"


async def set_logo(
    uow: UnitOfWork, data: LogoUpload, *, store: ObjectStore, defaults: Settings
) -> CompanyRead:
    raw, extension = _decode_logo(data)
    # Named by its content: a rolled-back change leaves an object no row names, and the
    # object a row names never changes under it (PDFs already rendered stay as they were).
    key = f"settings/logo-{hashlib.sha256(raw).hexdigest()[:32]}.{extension}"
    row = await repo.company(uow.session, lock=True)
    if row.logo_key != key:
        await store.put(key, raw, content_type=data.content_type)
        changes: Changes = {"logo": (row.logo_key, key)}
        await _change(uow, {"logo_key": key, "logo_content_type": data.content_type}, changes)
    return await read_company(uow, defaults=defaults)


async def remove_logo(uow: UnitOfWork, *, defaults: Settings) -> CompanyRead:
    row = await repo.company(uow.session, lock=True)
    if row.logo_key is not None:
        changes: Changes = {"logo": (row.logo_key, None)}
        await _change(uow, {"logo_key": None, "logo_content_type": None}, changes)
    return await read_company(uow, defaults=defaults)


async def logo(uow: UnitOfWork, *, store: ObjectStore) -> tuple[bytes, str]:
    row = await repo.company(uow.session)
    if row.logo_key is None or row.logo_content_type is None:
        raise NotFound("the company has no logo", code="no_logo")
    return await store.get(row.logo_key), row.logo_content_type


# -- tax rates --------------------------------------------------------------------------


def _tax_read(rate: TaxRate) -> TaxRateRead:
    return TaxRateRead(
        code=rate.code,
        name=rate.name,
        rate=rate.rate.quantize(_RATE_PLACES),
        active=rate.active,
        updated_at=rate.updated_at,
    )


async def list_tax_rates(uow: UnitOfWork) -> list[TaxRateRead]:
    return [_tax_read(rate) for rate in await repo.tax_rates(uow.session)]


async def tax_rate(uow: UnitOfWork, code: str) -> TaxRateRead:
    """A named tax rate (for a product that refers to it)."""
    found = await repo.tax_rate(uow.session, code)
    if found is None:
        raise NotFound(f"no tax rate '{code}'", code="no_tax_rate", field="tax_code")
    return _tax_read(found)


async def create_tax_rate(uow: UnitOfWork, data: TaxRateCreate) -> TaxRateRead:
    if await repo.tax_rate(uow.session, data.code) is not None:
        raise Conflict(
            f"a tax rate '{data.code}' already exists", code="duplicate_tax_rate", field="code"
        )
    now = utcnow()
    rate = TaxRate(
        code=data.code,
        name=data.name,
        rate=data.rate,
        active=data.active,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(rate)
    await uow.session.flush()
    record(
        uow,
        TaxRateCreated(
            code=data.code, name=data.name, rate=str(_shown(data.rate)), active=data.active
        ),
    )
    return _tax_read(rate)


def _shown(value: Any) -> str | int | bool | None:
    return str(value.quantize(_RATE_PLACES)) if isinstance(value, Decimal) else value


async def update_tax_rate(uow: UnitOfWork, code: str, data: TaxRateUpdate) -> TaxRateRead:
    found = await repo.tax_rate(uow.session, code, lock=True)
    if found is None:
        raise NotFound(f"no tax rate '{code}'", code="no_tax_rate", field="code")
    wanted = data.model_dump(exclude_unset=True)
    changes: Changes = {
        k: (_shown(getattr(found, k)), _shown(v))
        for k, v in wanted.items()
        if getattr(found, k) != v
    }
    if changes:
        await repo.update_tax_rate(
            uow.session, code, {**{k: wanted[k] for k in changes}, "updated_at": utcnow()}
        )
        record(uow, TaxRateChanged(code=code, changes=changes))
        found = await repo.tax_rate(uow.session, code, lock=True)
        assert found is not None
    return _tax_read(found)
