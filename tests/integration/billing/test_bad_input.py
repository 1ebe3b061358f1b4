"""Every billing endpoint, fed bad input (docs/PRODUCT.md §9): each answer is a 4xx
application/problem+json that says what is wrong, and no table changes.

The machinery (cases, placeholders, the snapshot of every table) is the one of
tests/integration/test_bad_input.py, whose guard also checks that this table covers every
/billing endpoint. The world adds to that file's: an unpaid invoice of an order, and manual
invoices paid, void, partly paid, partly credited and fully credited, a credit note, and a used
Idempotency-Key for each creating POST.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pulse.bootstrap import Container
from tests.integration.billing.factories import invoice_of_order, manual_invoice, pay
from tests.integration.inventory.factories import make_product
from tests.integration.test_bad_input import (
    BIG,
    HUGE,
    LONG,
    NUL,
    UNKNOWN,
    Case,
    Raw,
    build_world,
    c,
    common_body_cases,
    refusals,
)

# OpenAPI path parameters → world placeholders, when a case gives no path of its own.
BILLING_PATHS = {"{invoice_id}": "{invoice}", "{credit_note_id}": "{credit_note}"}
# The unpaid invoice of the world's order: 2 × KNOWN-1 at 10.00 with 20% tax.
OPEN_TOTAL = "24.00"
# Each manual invoice: 2 × 50.00 of consulting with 20% tax.
MANUAL_LINE = {"description": "Consulting", "qty": "2", "unit_price": "50.00", "tax_rate": "0.2"}
FUTURE = "2999-01-01T00:00:00Z"


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def query_cases(*pairs: tuple[str, Any]) -> list[Case]:
    return [c(f"{k}={short(v)}", params={k: v}) for k, v in pairs]


def id_cases(prefix: str, suffix: str = "", *, wrong_kind: str) -> list[Case]:
    """A path id that is no id, or the id of nothing of this kind."""
    return [
        c("malformed id", path=f"{prefix}/not-a-uuid{suffix}"),
        c("numeric id", path=f"{prefix}/123{suffix}"),
        c("long id", path=f"{prefix}/{LONG}{suffix}"),
        c("NUL id", path=f"{prefix}/%00{suffix}"),
        c("id with trailing junk", path=f"{prefix}/{{{wrong_kind}}}x{suffix}"),
        # Decoded, the slashes leave no route to match.
        c("path traversal", status=404, path=f"{prefix}/..%2F..%2Fetc%2Fpasswd{suffix}"),
        c("unknown id", status=404, path=f"{prefix}/{UNKNOWN}{suffix}"),
        c(
            "unknown id, no hyphens",
            status=404,
            path=f"{prefix}/{UNKNOWN.replace('-', '')}{suffix}",
        ),
        c("id of something else", status=404, path=f"{prefix}/{{{wrong_kind}}}{suffix}"),
    ]


def posted_body_cases() -> list[Case]:
    """Bodies that are no JSON object, for a POST whose body is required. JSON the parser
    gives up on (too deep here, integers of more than 4300 digits below) is a 400."""
    return [
        *common_body_cases(),
        c("empty body", Raw("")),
        c("null body", Raw("null")),
        c("number body", Raw("12")),
        c("form body", "amount=1", headers={"content-type": "application/x-www-form-urlencoded"}),
        c("nested 100000 deep", Raw("[" * 100_000 + "]" * 100_000), 400),
    ]


def key_cases(body: dict[str, Any], *, reused_path: str) -> list[Case]:
    return [
        c("long Idempotency-Key", body, headers={"Idempotency-Key": "k" * 201}),
        c("huge Idempotency-Key", body, headers={"Idempotency-Key": LONG}),
        c("empty Idempotency-Key", body, headers={"Idempotency-Key": ""}),
        c("Idempotency-Key with a tab", body, headers={"Idempotency-Key": "a\tb"}),
        c(
            "Idempotency-Key reused with another body",
            body,
            path=reused_path,
            headers={"Idempotency-Key": "used-key"},
            code="idempotency_key_reused",
        ),
    ]


# -- POST /billing/invoices ------------------------------------------------------------------
def invoice(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "customer_id": "{customer}",
        "lines": list(lines) or [{"sku": "{known}", "qty": 1}],
        **fields,
    }


def free(**fields: Any) -> dict[str, Any]:
    return invoice({**MANUAL_LINE, **fields})


def catalogue(**fields: Any) -> dict[str, Any]:
    return invoice({"sku": "{known}", "qty": 1, **fields})


AMOUNTS = (
    "0",
    "0.00",
    "-1",
    "-0.01",
    "0.001",
    "1e12",
    "NaN",
    "Infinity",
    "-Infinity",
    "sNaN",
    "abc",
    "",
    "1,50",
    "0x10",
    1.505,
    0.1 + 0.2,
    BIG,
    HUGE,
    -HUGE,
    10**400,
    True,
    None,
    [],
    {},
)
QUANTITIES = (0, "0", -1, "-0.5", "0.0001", 1_000_001, HUGE, "NaN", "Infinity", "many", None, True)

INVOICE_CASES = [
    *posted_body_cases(),
    c("missing customer", {"lines": [{"sku": "{known}", "qty": 1}]}),
    c("missing lines", {"customer_id": "{customer}"}),
    c("no lines", invoice(lines=[])),
    c("null lines", {"customer_id": "{customer}", "lines": None}),
    c("lines not a list", {"customer_id": "{customer}", "lines": {"sku": "{known}", "qty": 1}}),
    c("a line that is a string", {"customer_id": "{customer}", "lines": ["{known}"]}),
    c("201 lines", invoice(*[{"sku": "{known}", "qty": 1}] * 201)),
    c("malformed customer id", {**invoice(), "customer_id": "not-a-uuid"}),
    c("numeric customer id", {**invoice(), "customer_id": 12}),
    c("long customer id", {**invoice(), "customer_id": LONG}),
    c("null customer id", {**invoice(), "customer_id": None}),
    c("unknown customer", {**invoice(), "customer_id": UNKNOWN}, code="unknown_customer"),
    c(
        "an invoice id as customer",
        {**invoice(), "customer_id": "{invoice}"},
        code="unknown_customer",
    ),
    c("unknown SKU", catalogue(sku="NO-SUCH-SKU"), code="unknown_sku"),
    c(
        "unknown SKU after a known one",
        invoice({"sku": "{known}", "qty": 1}, {"sku": "NOPE", "qty": 1}),
        code="unknown_sku",
    ),
    c("SKU not for sale", catalogue(sku="{inactive}"), code="inactive_sku"),
    c("empty SKU", catalogue(sku="")),
    c("blank SKU", catalogue(sku="   ")),
    c("long SKU", catalogue(sku=LONG)),
    c("NUL in SKU", catalogue(sku=NUL)),
    c("numeric SKU", catalogue(sku=5)),
    c(
        "a line with neither sku nor description",
        invoice({"qty": 1, "unit_price": "1.00", "tax_rate": "0.2"}),
    ),
    c("a free line without a price", invoice({"description": "Work", "qty": 1, "tax_rate": "0.2"})),
    c(
        "a free line without a tax rate",
        invoice({"description": "Work", "qty": 1, "unit_price": "1"}),
    ),
    c("a line without qty", invoice({"sku": "{known}"})),
    c("an empty line", invoice({})),
    c("blank description", free(description="   ")),
    c("long description", free(description="d" * 301)),
    c("huge description", free(description=LONG)),
    c("NUL in description", free(description=NUL)),
    c("numeric description", free(description=5)),
    *[c(f"qty={short(v)}", catalogue(qty=v)) for v in QUANTITIES],
    *[
        c(f"unit_price={short(v)}", free(unit_price=v))
        for v in (
            "-1",
            "-0.01",
            "0.001",
            "1e12",
            "1000000000",
            "NaN",
            "Infinity",
            "abc",
            None,
            HUGE,
            1.505,
        )
    ],
    *[
        c(f"tax_rate={short(v)}", free(tax_rate=v))
        for v in ("-0.1", "1.0001", "2", "0.12345", "NaN", "20%", "ten", None, 20)
    ],
    c(
        "price 1e400",
        Raw(
            '{"customer_id": "{customer}", "lines": '
            '[{"description": "W", "qty": 1, "unit_price": 1e400, "tax_rate": "0"}]}'
        ),
    ),
    c(
        "qty of 5000 digits",
        Raw(
            '{"customer_id": "{customer}", "lines": [{"sku": "{known}", "qty": '
            + "9" * 5000
            + "}]}"
        ),
        400,
    ),
    c(
        "total beyond any amount",
        free(qty="1000000", unit_price="999999999.99"),
        code="amount_too_large",
    ),
    c(
        "200 lines beyond any amount together",
        invoice(*[{**MANUAL_LINE, "qty": "1000000", "unit_price": "9999999.99"}] * 200),
        code="amount_too_large",
    ),
    *[
        c(f"issue_date={short(v)}", invoice(issue_date=v))
        for v in (
            "yesterday",
            "2026-13-45",
            "2024-02-30",
            "0000-01-01",
            "10000-01-01",
            "2024-01-01T10:00:00",
            LONG,
            NUL,
            20240101.5,
            True,
        )
    ],
    c("issue_date in the future", invoice(issue_date="2999-01-01")),
    c("issue_date 9999-12-31", invoice(issue_date="9999-12-31")),
    c("issue_date before 2000", invoice(issue_date="1999-12-31")),
    c("issue_date in year 1", invoice(issue_date="0001-01-01")),
    c("long notes", invoice(notes="n" * 1001)),
    c("huge notes", invoice(notes=LONG)),
    c("NUL in notes", invoice(notes=NUL)),
    c("null notes", invoice(notes=None)),
    c("numeric notes", invoice(notes=5)),
    c("extra field", invoice(total="1.00")),
    c("extra field: status", invoice(status="paid")),
    c("extra line field", catalogue(discount="0.50")),
    c("extra line field: line_total", catalogue(line_total="0.01")),
    c(
        "duplicate key, the last one bad",
        Raw('{"customer_id": "{customer}", "lines": [{"sku": "{known}", "qty": 1}], "lines": []}'),
    ),
    *key_cases(invoice(), reused_path="/billing/invoices"),
]


# -- POST /billing/invoices/{invoice_id}/pay -------------------------------------------------
def payment(**fields: Any) -> dict[str, Any]:
    return {"amount": "1.00", "method": "cash", **fields}


PAY_CASES = [
    *posted_body_cases(),
    c("missing amount", {"method": "cash"}),
    c("missing method", {"amount": "1.00"}),
    *[c(f"amount={short(v)}", payment(amount=v)) for v in AMOUNTS],
    c("amount 1e400", Raw('{"amount": 1e400, "method": "cash"}')),
    c("amount -1e400", Raw('{"amount": -1e400, "method": "cash"}')),
    c("amount of 5000 digits", Raw('{"amount": ' + "9" * 5000 + ', "method": "cash"}'), 400),
    *[
        c(f"method={short(v)}", payment(method=v))
        for v in ("bitcoin", "CASH", "Cash", "", " cash", None, 5, ["cash"], NUL, LONG)
    ],
    c("long reference", payment(reference="r" * 201)),
    c("huge reference", payment(reference=LONG)),
    c("NUL in reference", payment(reference=NUL)),
    c("numeric reference", payment(reference=5)),
    c("null reference", payment(reference=None)),
    *[
        c(f"received_at={short(v)}", payment(received_at=v))
        for v in (
            "yesterday",
            "now",
            "2026-13-45T00:00:00Z",
            "2024-01-01T25:00:00Z",
            "2024-02-30T10:00:00Z",
            "10000-01-01T00:00:00Z",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59",
            "0001-01-01T00:00:00",
            FUTURE,
            "2001-01-01T00:00:00Z",
            "1999-12-31",
            1e20,
            -1e20,
            0,
            True,
            LONG,
            NUL,
        )
    ],
    c("extra field", payment(invoice_id="{invoice}")),
    c("extra field: currency", payment(currency="EUR")),
    c("extra field: created_by", payment(created_by="someone")),
    c(
        "duplicate key, the last one bad",
        Raw('{"amount": "1.00", "method": "cash", "amount": "-1"}'),
    ),
    c("a cent more than the balance", payment(amount="24.01"), code="overpayment"),
    c("the largest amount", payment(amount="9999999999.99"), code="overpayment"),
    c(
        "more than is left on a partly paid invoice",
        payment(amount="110.01"),
        path="/billing/invoices/{partly_paid}/pay",
        code="overpayment",
    ),
    c(
        "more than is left on a partly credited invoice",
        payment(amount="60.01"),
        path="/billing/invoices/{credited}/pay",
        code="overpayment",
    ),
    c("a void invoice", payment(), 409, path="/billing/invoices/{void}/pay", code="invoice_void"),
    c("a paid invoice", payment(), 409, path="/billing/invoices/{paid}/pay", code="nothing_to_pay"),
    c(
        "a fully credited invoice",
        payment(),
        409,
        path="/billing/invoices/{fully_credited}/pay",
        code="nothing_to_pay",
    ),
    c("malformed invoice id", payment(), path="/billing/invoices/not-a-uuid/pay"),
    c("long invoice id", payment(), path=f"/billing/invoices/{LONG}/pay"),
    c("unknown invoice", payment(), 404, path=f"/billing/invoices/{UNKNOWN}/pay"),
    c("a credit note id", payment(), 404, path="/billing/invoices/{credit_note}/pay"),
    *key_cases(
        {"amount": "10.00", "method": "cash"}, reused_path="/billing/invoices/{partly_paid}/pay"
    ),
]


# -- POST /billing/invoices/{invoice_id}/refunds ---------------------------------------------
def refund(**fields: Any) -> dict[str, Any]:
    return {"amount": "1.00", "method": "bank_transfer", **fields}


OWED = "/billing/invoices/{owed}/refunds"
REFUND_CASES = [
    *posted_body_cases(),
    c("missing amount", {"method": "cash"}, path=OWED),
    c("missing method", {"amount": "1.00"}, path=OWED),
    *[c(f"amount={short(v)}", refund(amount=v), path=OWED) for v in AMOUNTS],
    *[
        c(f"method={short(v)}", refund(method=v), path=OWED)
        for v in ("bitcoin", "CASH", "", None, 5, NUL, LONG)
    ],
    c("long reference", refund(reference="r" * 201), path=OWED),
    c("NUL in reference", refund(reference=NUL), path=OWED),
    *[
        c(f"paid_at={short(v)}", refund(paid_at=v), path=OWED)
        for v in ("yesterday", "2026-13-45T00:00:00Z", FUTURE, "2001-01-01T00:00:00Z", LONG, NUL)
    ],
    c("extra field", refund(invoice_id="{owed}"), path=OWED),
    c("a cent more than is owed back", refund(amount="30.01"), path=OWED, code="over_refund"),
    c("nothing owed back", refund(), 409, code="nothing_to_refund"),
    c(
        "a void invoice",
        refund(),
        409,
        path="/billing/invoices/{void}/refunds",
        code="nothing_to_refund",
    ),
    c("malformed invoice id", refund(), path="/billing/invoices/not-a-uuid/refunds"),
    c("unknown invoice", refund(), 404, path=f"/billing/invoices/{UNKNOWN}/refunds"),
    *key_cases({"amount": "2.00", "method": "cash"}, reused_path=OWED),
]


# -- POST /billing/invoices/{invoice_id}/credit-notes ----------------------------------------
def credit_lines(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"lines": list(lines), **fields}


def credit_line(**fields: Any) -> dict[str, Any]:
    return credit_lines({"line_no": 1, "qty": 1, **fields})


CREDIT_CASES = [
    *posted_body_cases(),
    c("neither lines nor amount", {}),
    c("neither, only a reason", {"reason": "damaged"}),
    c("both null", {"lines": None, "amount": None}),
    c("both lines and amount", credit_line(amount="1.00")),
    c("no lines", credit_lines()),
    c("lines not a list", {"lines": {"line_no": 1, "qty": 1}}),
    c("a line that is a number", {"lines": [1]}),
    c("201 lines", credit_lines(*[{"line_no": 1, "qty": "0.001"}] * 201)),
    c("a line without qty", credit_lines({"line_no": 1})),
    c("a line without line_no", credit_lines({"qty": 1})),
    *[
        c(f"line_no={short(v)}", credit_line(line_no=v))
        for v in (0, -1, 10_001, HUGE, 1.5, "one", None, True)
    ],
    *[c(f"qty={short(v)}", credit_line(qty=v)) for v in QUANTITIES],
    *[c(f"amount={short(v)}", {"amount": v}) for v in AMOUNTS],
    c("amount 1e400", Raw('{"amount": 1e400}')),
    c("amount of 5000 digits", Raw('{"amount": ' + "9" * 5000 + "}"), 400),
    c("a line the invoice does not have", credit_line(line_no=2), code="unknown_line"),
    c("the largest line number", credit_line(line_no=10_000), code="unknown_line"),
    c(
        "the same line twice",
        credit_lines({"line_no": 1, "qty": 1}, {"line_no": 1, "qty": 1}),
        code="duplicate_line",
    ),
    c("more than the line's qty", credit_line(qty=3), code="over_credit"),
    c("a fraction more than the line's qty", credit_line(qty="2.001"), code="over_credit"),
    c("a cent more than the total", {"amount": "24.01"}, code="over_credit"),
    c("the largest amount", {"amount": "9999999999.99"}, code="over_credit"),
    c(
        "more of a line than is left",
        credit_line(qty=2),
        path="/billing/invoices/{credited}/credit-notes",
        code="over_credit",
    ),
    c(
        "more than is left to credit",
        {"amount": "60.01"},
        path="/billing/invoices/{credited}/credit-notes",
        code="over_credit",
    ),
    c(
        "a void invoice, by line",
        credit_line(),
        409,
        path="/billing/invoices/{void}/credit-notes",
        code="invoice_void",
    ),
    c(
        "a void invoice, by amount",
        {"amount": "1.00"},
        409,
        path="/billing/invoices/{void}/credit-notes",
        code="invoice_void",
    ),
    c(
        "a fully credited invoice",
        {"amount": "0.01"},
        409,
        path="/billing/invoices/{fully_credited}/credit-notes",
        code="fully_credited",
    ),
    c("long reason", {"amount": "1.00", "reason": "r" * 501}),
    c("huge reason", {"amount": "1.00", "reason": LONG}),
    c("NUL in reason", {"amount": "1.00", "reason": NUL}),
    c("numeric reason", {"amount": "1.00", "reason": 5}),
    c("null reason", {"amount": "1.00", "reason": None}),
    c("extra field", {"amount": "1.00", "refund": True}),
    c("extra line field", credit_line(unit_price="1.00")),
    c("duplicate key, the last one bad", Raw('{"amount": "1.00", "amount": "0"}')),
    c("malformed invoice id", {"amount": "1.00"}, path="/billing/invoices/not-a-uuid/credit-notes"),
    c("long invoice id", {"amount": "1.00"}, path=f"/billing/invoices/{LONG}/credit-notes"),
    c("unknown invoice", {"amount": "1.00"}, 404, path=f"/billing/invoices/{UNKNOWN}/credit-notes"),
    c(
        "a credit note id",
        {"amount": "1.00"},
        404,
        path="/billing/invoices/{credit_note}/credit-notes",
    ),
    *key_cases({"amount": "1.00"}, reused_path="/billing/invoices/{credited}/credit-notes"),
]

# -- POST /billing/invoices/{invoice_id}/void ------------------------------------------------
VOID_CASES = [
    *common_body_cases(),
    c("number body", Raw("12")),
    c("form body", "reason=x", headers={"content-type": "application/x-www-form-urlencoded"}),
    c("long reason", {"reason": "r" * 501}),
    c("huge reason", {"reason": LONG}),
    c("NUL in reason", {"reason": NUL}),
    c("numeric reason", {"reason": 5}),
    c("null reason", {"reason": None}),
    c("list reason", {"reason": ["r"]}),
    c("extra field", {"reason": "r", "refund": True}),
    c("extra field: status", {"status": "void"}),
    c("malformed id", {}, path="/billing/invoices/not-a-uuid/void"),
    c("long id", {}, path=f"/billing/invoices/{LONG}/void"),
    c("unknown id", {}, 404, path=f"/billing/invoices/{UNKNOWN}/void"),
    c("a credit note id", {}, 404, path="/billing/invoices/{credit_note}/void"),
    c(
        "a paid invoice",
        {"reason": "r"},
        409,
        path="/billing/invoices/{paid}/void",
        code="invoice_not_voidable",
    ),
    c(
        "a partly paid invoice",
        {},
        409,
        path="/billing/invoices/{partly_paid}/void",
        code="invoice_not_voidable",
    ),
    c(
        "a partly credited invoice",
        {},
        409,
        path="/billing/invoices/{credited}/void",
        code="invoice_not_voidable",
    ),
    c(
        "a fully credited invoice",
        {},
        409,
        path="/billing/invoices/{fully_credited}/void",
        code="invoice_not_voidable",
    ),
    c("a void invoice", {}, 409, path="/billing/invoices/{void}/void", code="invoice_void"),
    c(
        "a void invoice, with no body",
        Raw(""),
        409,
        path="/billing/invoices/{void}/void",
        code="invoice_void",
    ),
]

LIMITS = (("limit", 0), ("limit", -1), ("limit", 501), ("limit", 10**9), ("limit", "ten"))
OFFSETS = (("offset", -1), ("offset", 10_000_001), ("offset", BIG), ("offset", "x"))
BAD_DATES = ("yesterday", "2026-13-45", "2024-02-30", "10000-01-01", "0000-01-01", "", LONG, NUL)
BAD_DAYS = (*BAD_DATES, "2024-01-01T10:00:00", "9999-12-31T23:59:59-05:00")

BILLING_CASES: dict[str, list[Case]] = {
    "GET /billing/invoices": [
        *query_cases(
            ("status", "bogus"),
            ("status", "ISSUED"),
            ("status", ""),
            ("status", NUL),
            ("customer_id", "not-a-uuid"),
            ("customer_id", 123),
            ("customer_id", LONG),
            ("order_id", "not-a-uuid"),
            ("order_id", 7),
            ("order_id", NUL),
            ("overdue", "maybe"),
            ("overdue", ""),
            ("overdue", 2),
            *[("from", v) for v in BAD_DAYS],
            *[("to", v) for v in BAD_DAYS],
            *LIMITS,
            *OFFSETS,
        ),
        c("from after to", params={"from": "2025-02-01", "to": "2025-01-31"}),
        c("from far after to", params={"from": "9999-12-31", "to": "0001-01-01"}),
    ],
    "POST /billing/invoices": INVOICE_CASES,
    "GET /billing/invoices/{invoice_id}": id_cases("/billing/invoices", wrong_kind="credit_note"),
    "GET /billing/invoices/{invoice_id}/pdf": id_cases(
        "/billing/invoices", "/pdf", wrong_kind="credit_note"
    ),
    "POST /billing/invoices/{invoice_id}/void": VOID_CASES,
    "POST /billing/invoices/{invoice_id}/pay": PAY_CASES,
    "POST /billing/invoices/{invoice_id}/credit-notes": CREDIT_CASES,
    "POST /billing/invoices/{invoice_id}/refunds": REFUND_CASES,
    "GET /billing/payments": [
        *query_cases(
            ("invoice_id", "not-a-uuid"),
            ("invoice_id", 12),
            ("customer_id", LONG),
            ("method", "bitcoin"),
            ("method", "CASH"),
            ("method", ""),
            *[
                (bound, v)
                for bound in ("from", "to")
                for v in (
                    "yesterday",
                    "2026-13-45T00:00:00Z",
                    "2024-01-01T25:00:00Z",
                    "10000-01-01T00:00:00Z",
                    "9999-12-31T23:59:59-05:00",
                    "0001-01-01T00:00:00+05:00",
                    "1e20",
                    "",
                    LONG,
                    NUL,
                )
            ],
            *LIMITS,
            *OFFSETS,
        ),
        c(
            "from after to",
            params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        ),
    ],
    "GET /billing/credit-notes": [
        *query_cases(
            ("invoice_id", "not-a-uuid"),
            ("invoice_id", 12),
            ("invoice_id", NUL),
            ("customer_id", "not-a-uuid"),
            ("customer_id", LONG),
            *LIMITS,
            *OFFSETS,
        ),
    ],
    "GET /billing/credit-notes/{credit_note_id}": id_cases(
        "/billing/credit-notes", wrong_kind="invoice"
    ),
    "GET /billing/credit-notes/{credit_note_id}/pdf": id_cases(
        "/billing/credit-notes", "/pdf", wrong_kind="invoice"
    ),
    "GET /billing/accounts": query_cases(*[("as_of", v) for v in BAD_DAYS]),
    "GET /billing/ledger": [
        *query_cases(
            ("account", ""),
            ("account", "1100; DROP TABLE accounts"),
            ("account", "11%"),
            ("account", "1" * 21),
            ("account", LONG),
            ("account", NUL),
            ("account", "ünï"),
            *[("from", v) for v in BAD_DAYS],
            *[("to", v) for v in BAD_DAYS],
            *LIMITS,
            *OFFSETS,
        ),
        c("unknown account", params={"account": "9999"}, code="unknown_account"),
        c("unknown account, letters", params={"account": "CASH"}, code="unknown_account"),
        c("from after to", params={"from": "2025-02-01", "to": "2025-01-31"}),
        c("from far after to", params={"from": "9999-12-31", "to": "0001-01-01"}),
    ],
    "GET /billing/trial-balance": query_cases(*[("as_of", v) for v in BAD_DAYS]),
}


async def build_billing_world(client: httpx.AsyncClient, container: Container) -> dict[str, str]:
    world = await build_world(client, container)
    inactive = await make_product(client, sku="GONE-1", active=False)
    unpaid = await invoice_of_order(client, world["order"], world["customer"])
    assert (unpaid["status"], unpaid["total"]) == ("issued", OPEN_TOTAL), unpaid

    async def manual(**headers: str) -> dict[str, Any]:
        response = await manual_invoice(client, world["customer_b"], MANUAL_LINE, **headers)
        assert response.status_code == 201, response.text
        assert response.json()["total"] == "120.00", response.text
        return response.json()

    async def created(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        return response.json()

    paid = await manual()
    assert (await created(await pay(client, paid["id"], "120.00")))["invoice_status"] == "paid"
    void = await manual()
    voided = await created(await client.post(f"/billing/invoices/{void['id']}/void", json={}))
    assert voided["status"] == "void"
    partly_paid = await manual()
    receipt = await created(
        await client.post(
            f"/billing/invoices/{partly_paid['id']}/pay",
            json={"amount": "10.00", "method": "bank_transfer"},
            headers={"Idempotency-Key": "used-key"},
        )
    )
    assert receipt["invoice_status"] == "partially_paid"
    credited = await manual()
    note = await created(
        await client.post(
            f"/billing/invoices/{credited['id']}/credit-notes",
            json={"lines": [{"line_no": 1, "qty": 1}], "reason": "one returned"},
            headers={"Idempotency-Key": "used-key"},
        )
    )
    assert (note["invoice_status"], note["invoice_balance"]) == ("issued", "60.00"), note
    fully_credited = await manual()
    full = await created(
        await client.post(
            f"/billing/invoices/{fully_credited['id']}/credit-notes", json={"amount": "120.00"}
        )
    )
    assert full["invoice_status"] == "credited", full
    await manual(**{"Idempotency-Key": "used-key"})
    owed = await manual()  # paid, then 60.00 credited: 60.00 owed back, 30.00 of it refunded
    await created(await pay(client, owed["id"], "120.00"))
    await created(
        await client.post(f"/billing/invoices/{owed['id']}/credit-notes", json={"amount": "60.00"})
    )
    refunded = await created(
        await client.post(
            f"/billing/invoices/{owed['id']}/refunds",
            json={"amount": "30.00", "method": "cash"},
            headers={"Idempotency-Key": "used-key"},
        )
    )
    assert refunded["refund_due"] == "30.00", refunded
    assert await container.bus.drain()
    assert await container.bus.drain()
    return {
        **world,
        "inactive": inactive["sku"],
        "invoice": unpaid["id"],
        "paid": paid["id"],
        "void": void["id"],
        "partly_paid": partly_paid["id"],
        "credited": credited["id"],
        "fully_credited": fully_credited["id"],
        "credit_note": note["id"],
        "owed": owed["id"],
    }


@pytest.mark.parametrize("group", list(BILLING_CASES))
async def test_bad_billing_input_is_refused_and_writes_nothing(
    group: str, client: httpx.AsyncClient, container: Container
) -> None:
    world = await build_billing_world(client, container)
    failures = await refusals(client, container, group, BILLING_CASES[group], world, BILLING_PATHS)
    assert not failures, f"{group}:\n" + "\n".join(failures)
