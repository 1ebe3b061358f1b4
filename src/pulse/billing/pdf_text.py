"""Text for documents: money, rates and quantities as printed, and any unicode made safe
for fpdf2's latin-1 core fonts (never raising)."""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal

# --------------------------------------------------------------------------- formatting

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


def format_amount(amount: Decimal) -> str:
    """``Decimal("-1234.5")`` -> ``"-1,234.50"``: two decimals, half-up, thousands separators."""
    if not amount.is_finite():
        return str(amount)
    # A context wide enough that quantize never overflows, whatever the magnitude.
    context = Context(prec=max(amount.adjusted(), 0) + 4)
    quantized = amount.quantize(_CENT, rounding=ROUND_HALF_UP, context=context)
    text = format(quantized.copy_abs(), ",.2f")
    return f"-{text}" if quantized < 0 else text


def format_money(amount: Decimal, currency: str) -> str:
    """``Decimal("1234.5"), "EUR"`` -> ``"EUR 1,234.50"``; a negative gives ``"-EUR 12.00"``.

    Always two decimals, rounded half-up, computed on Decimal only (never via float).
    """
    text = format_amount(amount)
    if text.startswith("-"):
        return f"-{currency} {text[1:]}"
    return f"{currency} {text}"


def format_rate(rate: Decimal) -> str:
    """A fraction as a percentage: ``Decimal("0.2")`` -> ``"20%"``, ``"0.075"`` -> ``"7.5%"``."""
    if not rate.is_finite():
        return f"{rate}%"
    percent = (rate * _HUNDRED).normalize()
    if percent == 0:
        percent = Decimal(0)  # no "-0%"
    return f"{format(percent, 'f')}%"


def format_qty(qty: Decimal) -> str:
    if not qty.is_finite():
        return str(qty)
    value = qty.normalize()
    if value == 0:
        value = Decimal(0)
    return format(value, ",f")


# --------------------------------------------------------------------------- text safety

_LATIN1_MAX = 0xFF


def clean(text: object, *, multiline: bool = False) -> str:
    """Make arbitrary text printable with fpdf2's latin-1 core fonts; never raises.

    NFC first (so "e" + combining acute becomes a latin-1 "é"), then per character: keep
    printable latin-1, try NFKD minus combining marks ("ﬁ" -> "fi", "Ł" -> "?", "ő" -> "o"),
    else "?". Control characters and soft hyphens are dropped; tabs become spaces; newlines
    are kept only when ``multiline`` (otherwise they become spaces).
    """
    if not isinstance(text, str):
        text = str(text)
    if text.isascii() and text.isprintable():
        return text
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    out: list[str] = []
    for char in text:
        if char == "\n":
            out.append("\n" if multiline else " ")
        elif ord(char) <= _LATIN1_MAX:
            if char != "\xad" and unicodedata.category(char) != "Cc":  # also drop soft hyphens
                out.append(char)
        elif unicodedata.category(char) in ("Zl", "Zp"):
            out.append("\n" if multiline else " ")
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
            if not stripped:
                continue  # a lone combining mark: drop it
            if all(ord(c) <= _LATIN1_MAX and unicodedata.category(c) != "Cc" for c in stripped):
                out.append(stripped)
            else:
                out.append("?")
    return "".join(out)
