"""Named tax rates: admins define them, everyone signed in reads them."""

from __future__ import annotations

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.auth.conftest import assert_problem, events_of


async def test_create_list_and_change_a_rate(client_for: ClientFor, container: Container) -> None:
    admin = client_for("admin")

    created = await admin.post(
        "/settings/tax-rates", json={"code": "standard", "name": "Standard", "rate": "0.2"}
    )

    assert created.status_code == 201, created.text
    assert created.json()["rate"] == "0.2000" and created.json()["active"] is True
    assert_problem(
        await admin.post(
            "/settings/tax-rates", json={"code": "standard", "name": "Again", "rate": "0.1"}
        ),
        409,
        "duplicate_tax_rate",
    )
    changed = await admin.patch("/settings/tax-rates/standard", json={"rate": "0.19"})
    assert changed.json()["rate"] == "0.1900"
    listing = (await client_for("viewer").get("/settings/tax-rates")).json()
    assert [(r["code"], r["rate"]) for r in listing] == [("standard", "0.1900")]
    [event] = await events_of(container, "settings.tax_rate_changed")
    assert event.payload["changes"] == {"rate": ["0.2000", "0.1900"]}
    assert len(await events_of(container, "settings.tax_rate_created")) == 1


async def test_bad_rates_are_refused(client_for: ClientFor, container: Container) -> None:
    admin = client_for("admin")
    for body in (
        {"code": "Upper", "name": "x", "rate": "0.1"},
        {"code": "neg", "name": "x", "rate": "-0.1"},
        {"code": "big", "name": "x", "rate": "1.5"},
        {"code": "float", "name": "x", "rate": 0.1},
        {"code": "blank", "name": " ", "rate": "0.1"},
    ):
        assert_problem(await admin.post("/settings/tax-rates", json=body), 422)
    assert_problem(await admin.patch("/settings/tax-rates/none", json={"rate": "0.1"}), 404)
    assert_problem(
        await client_for("accountant").post(
            "/settings/tax-rates", json={"code": "mine", "name": "Mine", "rate": "0.1"}
        ),
        403,
    )
    assert (await admin.get("/settings/tax-rates")).json() == []
    assert await events_of(container, "settings.tax_rate_created") == []
