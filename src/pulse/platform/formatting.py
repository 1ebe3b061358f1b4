"""Numbers, money and dates written for people, in one locale and currency: the one place
the server writes them into text (the recommendations' messages). The web app formats its
own figures the same way (web/src/lib/format.ts, from the browser's locale); the
server takes the locale the browser asks for (Accept-Language) and the currency the
company keeps its books in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

DEFAULT_LOCALE = "en"


def preferred_locale(accept_language: str | None) -> Locale:
    """The first locale of an Accept-Language header (by its q-values) that Babel knows."""
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, n, tag))
    for _, _, tag in sorted(ranked):
        try:
            return Locale.parse(tag.replace("_", "-"), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


@dataclass(frozen=True)
class Formats:
    locale: Locale
    currency: str

    @classmethod
    def for_request(cls, accept_language: str | None, currency: str) -> Formats:
        return cls(preferred_locale(accept_language), currency)

    def money(self, value: Decimal | int | str) -> str:
        return format_currency(Decimal(value), self.currency, locale=self.locale)

    def number(self, value: Decimal | int | str) -> str:
        return format_decimal(Decimal(value), locale=self.locale)

    def date(self, value: date | str) -> str:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, "medium", locale=self.locale)
