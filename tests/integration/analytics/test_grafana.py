"""The Grafana provisioning under deploy/grafana matches the query API it reads.

Every panel query (Infinity plugin: JSON from a URL, a root selector, typed columns) is
checked against the running app: its URL is a GET route with parameters the route declares,
it answers 200 JSON to a viewer, the root selector exists, and every column is in every row
with a value of the declared type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml

from pulse.analytics import api
from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.analytics.test_api import shop

GRAFANA = Path(__file__).resolve().parents[3] / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "pulse.yaml"
PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "pulse.yaml"

PLUGIN = "yesoreyeram-infinity-datasource"
TITLES = {"Sales & Revenue", "Inventory & Stock", "Cashflow & AR", "Pipeline"}
COLUMN_TYPES = {"number", "string", "timestamp", "boolean"}
# Invoices fall due 30 days after issue: a clock this far ahead sees them overdue.
LATER = timedelta(days=45)


def load_dashboards() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in DASHBOARDS]


def panels_of(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in items:
        yield panel
        yield from panels_of(panel.get("panels", []))  # collapsed rows hold their panels


def queries() -> list[tuple[str, dict[str, Any]]]:
    """(dashboard / panel title, Infinity target) of every query panel."""
    found = []
    for board in load_dashboards():
        for panel in panels_of(board["panels"]):
            for target in panel.get("targets", []):
                found.append((f"{board['title']} / {panel['title']}", target))
    return found


def at_path(body: Any, selector: str) -> Any:
    """The value at a dotted root selector ("" is the whole answer); KeyError if missing."""
    value = body
    for part in filter(None, selector.split(".")):
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value[part]
        else:
            raise KeyError(part)
    return value


def type_error(value: Any, declared: str) -> str | None:
    """Why Infinity could not read `value` as a `declared` column, or None if it can.

    Null is allowed for every type (an empty cell, e.g. a ratio with nothing to divide by).
    """
    if value is None:
        return None
    if declared == "number":
        if isinstance(value, bool):
            return "a boolean"
        if isinstance(value, int | float):
            return None
        if isinstance(value, str):
            try:
                Decimal(value)
            except InvalidOperation:
                return "a string that is not a number"
            return None
        return f"a {type(value).__name__}"
    if declared == "timestamp":
        if not isinstance(value, str):
            return f"a {type(value).__name__}, not an ISO date or time"
        try:
            if len(value) == 10:
                date.fromisoformat(value)
            else:
                datetime.fromisoformat(value)
        except ValueError:
            return "not an ISO date or time"
        return None
    if declared == "string":
        return None if isinstance(value, str) else f"a {type(value).__name__}"
    if declared == "boolean":
        return None if isinstance(value, bool) else f"a {type(value).__name__}"
    return f"of unknown declared type {declared!r}"


# -- files ------------------------------------------------------------------------------------
def test_the_datasource_is_infinity_with_a_bearer_token_from_the_environment() -> None:
    document = yaml.safe_load(DATASOURCES.read_text())
    assert document["apiVersion"] == 1
    (source,) = document["datasources"]
    assert source["name"] == "Pulse ERP"
    assert source["type"] == PLUGIN and source["uid"] == "pulse"
    assert source["url"] == "${PULSE_URL}"
    assert source["jsonData"]["auth_method"] == "bearerToken"
    assert source["jsonData"]["allowedHosts"] == ["${PULSE_URL}"]
    assert source["secureJsonData"]["bearerToken"] == "${PULSE_GRAFANA_TOKEN}"
    # The token never sits in plain jsonData.
    assert "PULSE_GRAFANA_TOKEN" not in json.dumps(source["jsonData"])


def test_the_dashboards_are_loaded_from_the_mounted_folder() -> None:
    document = yaml.safe_load(PROVIDERS.read_text())
    assert document["apiVersion"] == 1
    (provider,) = document["providers"]
    assert provider["type"] == "file" and provider["folder"] == "Pulse ERP"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards/pulse"


def test_four_dashboards_with_unique_uids_all_on_the_pulse_datasource() -> None:
    boards = load_dashboards()
    assert {b["title"] for b in boards} == TITLES and len(boards) == len(TITLES)
    uids = [b["uid"] for b in boards]
    assert all(uids) and len(set(uids)) == len(uids)
    for board in boards:
        assert board["schemaVersion"] >= 36 and board["refresh"] in {"5s", "10s"}, board["title"]
        panels = list(panels_of(board["panels"]))
        assert panels, board["title"]
        assert len({p["id"] for p in panels}) == len(panels), board["title"]
        for panel in panels:
            where = f"{board['title']} / {panel['title']}"
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == {"type": PLUGIN, "uid": "pulse"}, where
            assert panel["targets"], where
            for target in panel["targets"]:
                assert target.get("datasource", panel["datasource"])["uid"] == "pulse", where


def _id(value: Any) -> str:
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize(("where", "target"), queries(), ids=_id)
def test_each_query_is_a_typed_infinity_json_query(where: str, target: dict[str, Any]) -> None:
    assert target["type"] == "json" and target["source"] == "url", where
    assert target["format"] in {"table", "timeseries"}, where
    assert target["url"].startswith("/"), f"{where}: the URL is relative to the datasource's"
    assert isinstance(target["root_selector"], str), where
    assert target["columns"], where
    for column in target["columns"]:
        assert column["selector"] and column["text"], where
        assert column["type"] in COLUMN_TYPES, (where, column)


# -- against the app --------------------------------------------------------------------------
def get_routes(container: Container) -> dict[str, set[str]]:
    """GET path → the query parameters it declares."""
    paths = container.app.openapi()["paths"]  # type: ignore[attr-defined]
    return {
        path: {p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"}
        for path, ops in paths.items()
        if "get" in ops
    }


async def answer(client: httpx.AsyncClient, url: str) -> Any:
    response = await client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["content-type"].startswith("application/json"), url
    return response.json()


async def test_every_panel_query_answers_with_its_columns(
    container: Container, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    await shop(container, client_for("admin"))
    viewer = client_for("viewer")
    routes = get_routes(container)
    now, later = {}, {}  # answers by URL, today and with the clock moved on
    problems: list[str] = []
    checked = expected = 0

    for where, target in queries():
        url = target["url"]
        parts = urlsplit(url)
        if parts.path not in routes:
            problems.append(f"{where}: {parts.path} is not a GET route of the app")
            continue
        expected += len(target["columns"])
        unknown = {name for name, _ in parse_qsl(parts.query)} - routes[parts.path]
        if unknown:
            problems.append(f"{where}: {parts.path} takes no parameter {sorted(unknown)}")
            continue
        if url not in now:
            now[url] = await answer(viewer, url)
        try:
            root = at_path(now[url], target["root_selector"])
        except (KeyError, IndexError, ValueError):
            problems.append(f"{where}: no {target['root_selector']!r} in the answer of {url}")
            continue
        if isinstance(root, list) and not root:
            # Nothing to check the columns on today (no invoice is overdue yet): look later.
            if url not in later:
                with monkeypatch.context() as m:
                    moved = datetime.now(UTC) + LATER
                    m.setattr(api, "now_utc", lambda moved=moved: moved)
                    later[url] = await answer(viewer, url)
            root = at_path(later[url], target["root_selector"])
            if not root:
                problems.append(f"{where}: {url} has no rows to check the columns against")
                continue
        rows = root if isinstance(root, list) else [root]
        for column in target["columns"]:
            selector, declared = column["selector"], column["type"]
            for n, row in enumerate(rows):
                if not isinstance(row, dict) or selector not in row:
                    problems.append(f"{where}: row {n} of {url} has no column {selector!r}")
                    break
                why = type_error(row[selector], declared)
                if why is not None:
                    problems.append(
                        f"{where}: {selector}={row[selector]!r} in {url} is {why}, not a {declared}"
                    )
                    break
            checked += 1

    assert not problems, "\n".join(problems)
    assert checked == expected > 0
