"""Reports as CSV or as an Excel workbook (xlsxwriter, in memory, constant-memory mode)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for row in rows:
        for name in row:
            if name not in names:
                names.append(name)
    return names


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date | Decimal | UUID):
        return str(value) if not isinstance(value, date) else value.isoformat()
    return str(value)


# A spreadsheet opening a CSV file takes a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _csv_cell(value: Any) -> str:
    """The cell's text, never a live formula: text that a spreadsheet would evaluate (a
    customer named "=HYPERLINK(…)") is written with a leading apostrophe, which spreadsheets
    show as plain text. Numbers, negative ones included, are left as they are."""
    text = _text(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    names = _columns(rows)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(name) for name in names])
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in names])
    return out.getvalue().encode()


def _write_decimal(ws: Any, row: int, col: int, value: Decimal, fmt: Any) -> None:
    """A spreadsheet cell can only hold a binary double. An amount goes in as a number only
    when that number reads back as exactly the same decimal (every amount below about ten
    trillion, to the cent); otherwise it goes in as its exact text."""
    number = float(value)
    if Decimal(repr(number)) == value:
        ws.write_number(row, col, number, fmt)
    else:
        ws.write_string(row, col, str(value))


def to_xlsx(rows: list[dict[str, Any]], *, sheet: str) -> bytes:
    out = io.BytesIO()
    # Imported here: a process that never exports a workbook does not load the library.
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    try:
        ws = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        names = _columns(rows)
        for col, name in enumerate(names):
            ws.write_string(0, col, name, bold)
        for r, row in enumerate(rows, start=1):
            for col, name in enumerate(names):
                value = row.get(name)
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_boolean(r, col, value)
                elif isinstance(value, Decimal):
                    _write_decimal(ws, r, col, value, money)
                elif isinstance(value, int | float):
                    ws.write_number(r, col, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, col, value.replace(tzinfo=None), when)
                elif isinstance(value, date):
                    ws.write_datetime(r, col, datetime(value.year, value.month, value.day), day)
                else:
                    ws.write_string(r, col, _text(value))
    finally:
        book.close()
    return out.getvalue()
