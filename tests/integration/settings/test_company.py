"""The company settings through HTTP: defaults, changes and their events, refusals, the logo."""

from __future__ import annotations

import asyncio
import base64

import pytest

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.auth.conftest import assert_problem, events_of
from tests.integration.orders.factories import make_customer
from tests.integration.settings.factories import image_bytes, logo_body


async def test_defaults_come_from_the_environment(client_for: ClientFor) -> None:
    company = (await client_for("viewer").get("/settings/company")).json()

    assert company["name"] == "Pulse Demo Trading Ltd"
    assert company["currency"] == "EUR" and company["locale"] == "en-GB"
    assert company["payment_terms_days"] == 30 and company["has_logo"] is False
    assert (company["fiscal_year_start_month"], company["fiscal_year_start_day"]) == (1, 1)
    assert company["revision"] == 0 and company["updated_by"] is None


async def test_an_admin_change_is_kept_and_recorded(
    client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    change = {
        "name": "Acme Trading GmbH",
        "tax_id": "DE123456789",
        "currency": "CHF",
        "locale": "de_ch",
        "payment_terms_days": 14,
        "fiscal_year_start_month": 4,
        "fiscal_year_start_day": 6,
    }

    response = await admin.patch("/settings/company", json=change)

    assert response.status_code == 200, response.text
    company = response.json()
    assert company["name"] == "Acme Trading GmbH" and company["currency"] == "CHF"
    assert company["locale"] == "de-CH", "written the one way the web app reads it"
    assert company["revision"] == 1 and company["updated_by"] == "test-admin"
    assert (await client_for("clerk").get("/settings/company")).json() == company
    [event] = await events_of(container, "settings.company_changed")
    assert event.actor == "test-admin" and event.payload["revision"] == 1
    assert event.payload["changes"]["name"] == ["Pulse Demo Trading Ltd", "Acme Trading GmbH"]
    assert event.payload["changes"]["currency"] == ["EUR", "CHF"]
    assert "address" not in event.payload["changes"], "only what changed"

    # The same values again change nothing and record nothing.
    again = await admin.patch("/settings/company", json={"name": "Acme Trading GmbH"})
    assert again.json()["revision"] == 1
    assert len(await events_of(container, "settings.company_changed")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"locale": "xx-QQ"}, "locale"),
        ({"locale": "en"}, "locale"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"email": "not an email"}, "email"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"payment_terms_days": "30"}, "payment_terms_days"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
        ({"fiscal_year_start_month": 2, "fiscal_year_start_day": 29}, "fiscal_year_start_day"),
        ({"fiscal_year_start_day": 32}, "fiscal_year_start_day"),
        ({"logo_key": "elsewhere"}, "logo_key"),
    ],
)
async def test_bad_values_are_refused_and_write_nothing(
    client_for: ClientFor, container: Container, body: dict[str, object], field: str
) -> None:
    admin = client_for("admin")

    problem = assert_problem(await admin.patch("/settings/company", json=body), 422)

    assert field in str(problem), problem
    assert (await admin.get("/settings/company")).json()["revision"] == 0
    assert await events_of(container, "settings.company_changed") == []


async def test_a_fiscal_day_is_checked_against_the_month_already_set(
    client_for: ClientFor,
) -> None:
    admin = client_for("admin")
    ok = await admin.patch("/settings/company", json={"fiscal_year_start_day": 31})
    assert ok.status_code == 200, ok.text

    assert_problem(await admin.patch("/settings/company", json={"fiscal_year_start_month": 9}), 422)
    assert (await admin.get("/settings/company")).json()["fiscal_year_start_month"] == 1


@pytest.mark.parametrize("role", ["accountant", "clerk", "viewer"])
async def test_only_admins_change_settings(client_for: ClientFor, role: str) -> None:
    client = client_for(role)

    assert_problem(await client.patch("/settings/company", json={"name": "Mine"}), 403)
    assert_problem(await client.put("/settings/company/logo", json=logo_body(image_bytes())), 403)
    assert (await client.get("/settings/company")).json()["name"] == "Pulse Demo Trading Ltd"


async def test_logo_upload_read_and_removal(client_for: ClientFor, container: Container) -> None:
    admin = client_for("admin")
    png = image_bytes("PNG")

    uploaded = await admin.put("/settings/company/logo", json=logo_body(png))

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["has_logo"] is True
    served = await client_for("viewer").get("/settings/company/logo")
    assert served.status_code == 200 and served.content == png
    assert served.headers["content-type"] == "image/png"
    [event] = await events_of(container, "settings.company_changed")
    before, after = event.payload["changes"]["logo"]
    assert before is None and after.startswith("settings/logo-") and after.endswith(".png")

    jpeg = image_bytes("JPEG")
    replaced = await admin.put("/settings/company/logo", json=logo_body(jpeg, "image/jpeg"))
    assert replaced.status_code == 200, replaced.text
    assert (await admin.get("/settings/company/logo")).content == jpeg

    removed = await admin.delete("/settings/company/logo")
    assert removed.json()["has_logo"] is False
    assert_problem(await admin.get("/settings/company/logo"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (logo_body(image_bytes("PNG"), "image/jpeg"), "content_type"),
        (logo_body(b"GIF89a not really"), "data"),
        (logo_body(image_bytes("GIF")), "data"),
        (logo_body(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "data"),
        ({"content_type": "image/png", "data": "not base64 at all!"}, "data"),
        (
            {"content_type": "image/svg+xml", "data": base64.b64encode(b"<svg/>").decode()},
            "content_type",
        ),
        (logo_body(image_bytes("PNG", (5000, 10))), "data"),
        ({"content_type": "image/png", "data": "A" * 400_000}, "data"),
    ],
)
async def test_a_logo_that_is_not_the_image_it_says_is_refused(
    client_for: ClientFor, container: Container, body: dict[str, str], field: str
) -> None:
    admin = client_for("admin")

    problem = assert_problem(await admin.put("/settings/company/logo", json=body), 422)

    assert field in str(problem), problem
    assert (await admin.get("/settings/company")).json()["has_logo"] is False
    assert await events_of(container, "settings.company_changed") == []


async def test_the_app_follows_currency_and_default_terms(client_for: ClientFor) -> None:
    admin = client_for("admin")
    before = await make_customer(admin)
    assert before["payment_terms_days"] == 30

    change = {"currency": "GBP", "payment_terms_days": 45}
    assert (await admin.patch("/settings/company", json=change)).status_code == 200

    assert (await client_for("viewer").get("/auth/me")).json()["currency"] == "GBP"
    assert (await make_customer(admin))["payment_terms_days"] == 45
    own = await make_customer(admin, payment_terms_days=7)
    assert own["payment_terms_days"] == 7, "a customer's own terms win"


async def test_concurrent_changes_all_apply_one_after_another(
    client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    bodies: list[dict[str, object]] = [
        {"name": "Concurrent Ltd"},
        {"tax_id": "GB1"},
        {"payment_terms_days": 10},
        {"locale": "fr-FR"},
        {"fiscal_year_start_month": 7},
    ]

    answers = await asyncio.gather(*(admin.patch("/settings/company", json=b) for b in bodies))

    assert [r.status_code for r in answers] == [200] * len(bodies), [r.text for r in answers]
    company = (await admin.get("/settings/company")).json()
    assert (company["name"], company["tax_id"], company["locale"]) == (
        "Concurrent Ltd",
        "GB1",
        "fr-FR",
    )
    assert (company["payment_terms_days"], company["fiscal_year_start_month"]) == (10, 7)
    events = await events_of(container, "settings.company_changed")
    assert sorted(e.payload["revision"] for e in events) == [1, 2, 3, 4, 5]
    assert company["revision"] == 5
