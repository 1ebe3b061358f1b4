"""KPI rules kept as data (`rules.yaml`) and the engine that turns them into recommendations.

`load_rules` reads and checks the file: every rule is a Pydantic model that refuses unknown
keys and wrong types, and its message template is tried against the rule's fields, so a
mistake surfaces when the file is loaded, not when a dashboard renders. `evaluate` runs each
enabled rule with parameterised SQL on the aggregates (never the order facts, except the
invoices dunning is about) and returns plain dicts, critical first.

Windows: "the last N days" are the N days up to and including `today`. Money stays Decimal
until the output, where it (and every other fractional number) becomes a string.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, cast, get_args
from uuid import UUID

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pulse.analytics.sql import run
from pulse.platform.formatting import Formats
from pulse.platform.money import money

Severity = Literal["info", "warning", "critical"]
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
Days = Annotated[int, Field(ge=1, le=3650)]
Limit = Annotated[int, Field(ge=1, le=10_000)]
Amount = Annotated[Decimal, Field(strict=False, ge=0)]


class RulesError(ValueError):
    """The rules file cannot be used; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)
    enabled: bool = True
    severity: Severity = "warning"
    description: str = ""
    message: str = Field(min_length=1)
    # The fields a message may name: text (money and fractions included) and integers.
    TEXT: ClassVar[str] = ""
    INTS: ClassVar[str] = ""

    @field_validator("message")
    @classmethod
    def _template(cls, message: str) -> str:
        sample = {**dict.fromkeys(cls.TEXT.split(), "1.0"), **dict.fromkeys(cls.INTS.split(), 1)}
        try:
            message.format(**sample)
        except KeyError as exc:
            fields = ", ".join(sorted(sample))
            raise ValueError(f"unknown field {exc} (the fields are {fields})") from None
        except (IndexError, ValueError, AttributeError, TypeError) as exc:
            raise ValueError(f"not a valid template: {exc}") from None
        return message


class ReorderRule(_Rule):
    kind: Literal["reorder"]
    demand_window_days: Days = 28
    safety_days: Annotated[int, Field(ge=0, le=3650)] = 7
    limit: Limit | None = None
    TEXT = "sku name daily_demand days_of_cover"
    INTS = "available lead_time_days suggested_qty"


class DunningLevel(_Strict):
    after_days: Annotated[int, Field(ge=0)]
    level: str = Field(min_length=1, max_length=64)
    severity: Severity | None = None


DEFAULT_LEVELS = (
    DunningLevel(after_days=1, level="reminder", severity="info"),
    DunningLevel(after_days=15, level="second_notice", severity="warning"),
    DunningLevel(after_days=30, level="final_notice", severity="critical"),
)


class DunningRule(_Rule):
    kind: Literal["dunning"]
    min_days_overdue: Days = 1
    levels: list[DunningLevel] = Field(default=list(DEFAULT_LEVELS), min_length=1)
    limit: Limit = 100
    TEXT = "invoice invoice_id customer_id customer_name due_date balance level"
    INTS = "days_overdue"

    @model_validator(mode="after")
    def _levels_go_up(self) -> DunningRule:
        days = [lv.after_days for lv in self.levels]
        if days != sorted(set(days)):
            raise ValueError("levels: after_days must go strictly up")
        return self


class RevenueDropRule(_Rule):
    kind: Literal["revenue_drop"]
    window_days: Days = 7
    compare_offset_days: Days = 7
    threshold_pct: Annotated[Decimal, Field(strict=False, gt=0, le=100)] = Decimal(20)
    min_previous_revenue: Amount = Decimal(0)
    TEXT = "current previous change_pct drop_pct current_from current_to previous_from previous_to"
    INTS = "window_days"

    @model_validator(mode="after")
    def _no_overlap(self) -> RevenueDropRule:
        if self.compare_offset_days < self.window_days:
            raise ValueError("compare_offset_days must be at least window_days")
        return self


class SlowMoversRule(_Rule):
    kind: Literal["slow_movers"]
    window_days: Days = 30
    max_units: Annotated[int, Field(ge=0)] = 0
    limit: Limit = 100
    TEXT = "sku name price stock_value"
    INTS = "on_hand units_sold window_days"


Rule = Annotated[
    ReorderRule | DunningRule | RevenueDropRule | SlowMoversRule, Field(discriminator="kind")
]
MODELS: tuple[type[_Rule], ...] = (ReorderRule, DunningRule, RevenueDropRule, SlowMoversRule)
KINDS = {get_args(m.model_fields["kind"].annotation)[0]: m for m in MODELS}


class RuleSet(_Strict):
    version: Literal[1] = 1
    rules: list[Rule] = []


# -- loading ----------------------------------------------------------------------------------
def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ""
        for p in err["loc"]:
            where += f"[{p}]" if isinstance(p, int) else f".{p}" if where else str(p)
        where += ": " if where else ""
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        parts.append(f"{where}{msg.removeprefix('Value error, ')}")
    return "; ".join(parts)


def parse_rules(text: str, *, source: str = "rules") -> RuleSet:
    """Check a rules document (YAML text) and return it; `RulesError` says what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{source}: expected a mapping with a `rules` list")
    extra = sorted(str(k) for k in set(data) - {"version", "rules"})
    if extra:
        raise RulesError(f"{source}: unknown top-level key(s): {', '.join(extra)}")
    if data.get("version", 1) != 1:
        raise RulesError(f"{source}: unsupported version {data['version']!r} (expected 1)")
    items = data.get("rules") or []
    if not isinstance(items, list):
        raise RulesError(f"{source}: `rules` must be a list")
    rules: list[_Rule] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise RulesError(f"{source}: rules[{n}] must be a mapping")
        name = f"rule {item.get('id')!r} (rules[{n}])" if "id" in item else f"rules[{n}]"
        kind = item.get("kind")
        model = KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            raise RulesError(
                f"{source}: {name}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}"
            )
        try:
            rule = model.model_validate(item)
        except ValidationError as exc:
            problem = _describe(exc)
        else:
            problem = ""
        if problem:  # raised outside the handler: the error keeps no link to pydantic's
            raise RulesError(f"{source}: {name}: {problem}")
        if rule.id in seen:
            raise RulesError(f"{source}: {name}: duplicate id")
        seen.add(rule.id)
        rules.append(rule)
    # Each item was validated by the model its `kind` names: the list is a list of `Rule`.
    return RuleSet(rules=cast(list[Rule], rules))


def load_rules(path: Path) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read the rules file {path}: {exc.strerror or exc}") from None
    return parse_rules(text, source=str(path))


# -- evaluation -------------------------------------------------------------------------------
Cursor = duckdb.DuckDBPyConnection
Found = tuple[str, str, dict[str, Any]]  # severity, subject, data


def _window(today: date, days: int, back: int = 0) -> tuple[date, date]:
    """The `days` days up to and including `today - back`."""
    end = today - timedelta(days=back)
    return end - timedelta(days=days - 1), end


def _reorder(cur: Cursor, rule: ReorderRule, today: date) -> list[Found]:
    start, end = _window(today, rule.demand_window_days)
    sql = """
        WITH demand AS (
            SELECT sku, sum(units) AS units FROM sales_by_product_day
            WHERE day BETWEEN ? AND ? GROUP BY sku
        )
        SELECT s.sku, s.name, coalesce(s.on_hand, 0) - coalesce(s.reserved, 0),
               s.reorder_point, coalesce(s.reorder_qty, 0), coalesce(s.lead_time_days, 0),
               coalesce(d.units, 0)
        FROM stock_snapshot s LEFT JOIN demand d USING (sku)
        WHERE s.active ORDER BY s.sku
    """
    window = rule.demand_window_days
    found: list[tuple[Any, Found]] = []
    for sku, name, available, point, pack, lead, units in run(cur, sql, [start, end]):
        units = max(int(units), 0)
        # Exact integer arithmetic: need = units / window x (lead + safety) - available.
        numerator = units * (lead + rule.safety_days) - available * window
        qty = -(-numerator // window) if numerator > 0 else 0
        if qty > 0 and pack > 0:
            qty = -(-qty // pack) * pack
        if qty <= 0 and point is not None and available <= point:
            qty = pack if pack > 0 else point - available + 1
        if qty <= 0:
            continue
        cover = None
        if units > 0:
            cover = (Decimal(max(available, 0) * window) / units).quantize(Decimal("0.1"))
        demand = (Decimal(units) / window).quantize(Decimal("0.01"))
        data = dict(sku=sku, name=name, available=available, daily_demand=demand)
        data |= dict(lead_time_days=lead, suggested_qty=qty, days_of_cover=cover)
        urgency = (cover is None, cover or 0, sku)
        found.append((urgency, (rule.severity, sku, data)))
    found.sort(key=lambda f: f[0])
    return [f for _, f in found[: rule.limit]]


def _dunning(cur: Cursor, rule: DunningRule, today: date) -> list[Found]:
    first = max(rule.min_days_overdue, rule.levels[0].after_days)
    sql = """
        SELECT i.number, i.invoice_id, i.customer_id, c.name, i.due_date, i.balance
        FROM open_invoices i LEFT JOIN customers c ON c.customer_id = i.customer_id
        WHERE i.due_date <= ?
        ORDER BY i.due_date, i.number LIMIT ?
    """
    found: list[Found] = []
    for number, invoice_id, customer_id, name, due, balance in run(
        cur, sql, [today - timedelta(days=first), rule.limit]
    ):
        days = (today - due).days
        level = [lv for lv in rule.levels if lv.after_days <= days][-1]
        data = dict(invoice=number, invoice_id=invoice_id, customer_id=customer_id)
        data |= dict(customer_name=name, due_date=due, days_overdue=days, balance=balance)
        data["level"] = level.level
        found.append((level.severity or rule.severity, number, data))
    return found


def _revenue_drop(cur: Cursor, rule: RevenueDropRule, today: date) -> list[Found]:
    cur_from, cur_to = _window(today, rule.window_days)
    prev_from, prev_to = _window(today, rule.window_days, rule.compare_offset_days)
    sql = """
        SELECT sum(revenue) FILTER (WHERE day BETWEEN ? AND ?),
               sum(revenue) FILTER (WHERE day BETWEEN ? AND ?)
        FROM sales_by_day WHERE day BETWEEN ? AND ?
    """
    params = [cur_from, cur_to, prev_from, prev_to, prev_from, cur_to]
    current, previous = (money(v or Decimal(0)) for v in run(cur, sql, params)[0])
    if previous <= 0 or previous < rule.min_previous_revenue:
        return []
    change = (current - previous) * 100 / previous
    if -change < rule.threshold_pct:
        return []
    pct = change.quantize(Decimal("0.1"))
    data: dict[str, Any] = dict(current=current, previous=previous, change_pct=pct, drop_pct=-pct)
    data |= dict(window_days=rule.window_days, current_from=cur_from, current_to=cur_to)
    data |= dict(previous_from=prev_from, previous_to=prev_to)
    return [(rule.severity, f"{cur_from.isoformat()}..{cur_to.isoformat()}", data)]


def _slow_movers(cur: Cursor, rule: SlowMoversRule, today: date) -> list[Found]:
    start, end = _window(today, rule.window_days)
    sql = """
        WITH sold AS (
            SELECT sku, sum(units) AS units FROM sales_by_product_day
            WHERE day BETWEEN ? AND ? GROUP BY sku
        )
        SELECT s.sku, s.name, s.on_hand, coalesce(s.price, 0), coalesce(d.units, 0),
               CAST(s.on_hand * coalesce(s.price, 0) AS DECIMAL(38,2)) AS value
        FROM stock_snapshot s LEFT JOIN sold d USING (sku)
        WHERE s.active AND s.on_hand > 0 AND coalesce(d.units, 0) <= ?
        ORDER BY value DESC, s.sku LIMIT ?
    """
    names = ("sku", "name", "on_hand", "price", "units_sold", "stock_value")
    params = [start, end, rule.max_units, rule.limit]
    return [
        (rule.severity, row[0], dict(zip(names, row, strict=True), window_days=rule.window_days))
        for row in run(cur, sql, params)
    ]


EVALUATORS: dict[str, Callable[[Cursor, Any, date], list[Found]]] = dict(
    reorder=_reorder, dunning=_dunning, revenue_drop=_revenue_drop, slow_movers=_slow_movers
)


def _plain(value: Any) -> Any:
    """JSON-ready: Decimals (money included) and UUIDs become strings, dates ISO strings."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# How each field reads in a message: money with the currency, dates and numbers in the
# locale's way, a dunning level in words; text (names, SKUs, invoice numbers) as it is.
MONEY_FIELDS = frozenset({"balance", "current", "previous", "price", "stock_value"})
DATE_FIELDS = frozenset({"due_date", "current_from", "current_to", "previous_from", "previous_to"})
TEXT_FIELDS = frozenset({"sku", "name", "invoice", "invoice_id", "customer_id", "customer_name"})


def _worded(name: str, value: Any, formats: Formats) -> str:
    if value is None:
        return "unknown" if name == "customer_name" else "n/a"
    if name in TEXT_FIELDS:
        return str(value)
    if name == "level":
        return str(value).replace("_", " ")
    if name in MONEY_FIELDS:
        return formats.money(value)
    if name in DATE_FIELDS:
        return formats.date(value)
    return formats.number(value)


def render(template: str, data: dict[str, Any], formats: Formats) -> str:
    return template.format(**{k: _worded(k, v, formats) for k, v in data.items()})


def evaluate(cur: Cursor, rules: RuleSet, *, today: date, formats: Formats) -> list[dict[str, Any]]:
    """Run every enabled rule; the recommendations, critical first, then in rule order."""
    out: list[tuple[int, int, dict[str, Any]]] = []
    for n, rule in enumerate(rules.rules):
        if not rule.enabled:
            continue
        for severity, subject, found in EVALUATORS[rule.kind](cur, rule, today):
            data = {k: _plain(v) for k, v in found.items()}
            rec = {
                "rule": rule.id,
                "kind": rule.kind,
                "severity": severity,
                "subject": subject,
                "message": render(rule.message, data, formats),
                "data": data,
            }
            out.append((SEVERITY_RANK[severity], n, rec))
    out.sort(key=lambda r: r[:2])
    return [rec for _, _, rec in out]
