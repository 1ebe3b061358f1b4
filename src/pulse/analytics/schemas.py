"""The JSON answers of the analytics API, as Pydantic models for the OpenAPI document.

The routes keep answering with `live.dumps` (no validation on the way out); these models
describe that JSON exactly: Decimals are strings, dates "YYYY-MM-DD", times ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

DecimalText = Annotated[
    str,
    Field(
        pattern=r"^-?\d+(\.\d+)?$",
        description='A decimal number as a string (money included), e.g. "1234.50"',
        examples=["1234.50"],
        json_schema_extra={"format": "decimal"},
    ),
]
Severity = Literal["info", "warning", "critical"]
AgingBucket = Literal["current", "1-30", "31-60", "61-90", "90+"]
# What a value of an analyst's query becomes (see `sandbox._jsonable`): Decimals, UUIDs,
# dates, times and blobs (as hex) are strings, lists and structs stay JSON.
SqlValue = TypeAliasType(
    "SqlValue",
    "bool | int | float | str | list[SqlValue] | dict[str, SqlValue] | None",
)


class _Out(BaseModel):
    # Unknown keys fail validation, so a test notices when the JSON and the model part.
    model_config = ConfigDict(extra="forbid")


class _Timed(_Out):
    execution_time_ms: float = Field(description="Time spent answering, in milliseconds")


# -- sales ------------------------------------------------------------------------------------
class _SalesFigures(_Out):
    orders: int
    units: int
    revenue: DecimalText = Field(description="Net sales, before tax")
    tax: DecimalText
    gross: DecimalText = Field(description="Revenue plus tax")


class SalesHourlyRow(_SalesFigures):
    hour: datetime = Field(description="Start of the hour, UTC")


class SalesDailyRow(_SalesFigures):
    day: date = Field(description="UTC day")


class SalesTotals(_SalesFigures):
    pass


class SalesHourlyReport(_Timed):
    hours: int
    rows: list[SalesHourlyRow] = Field(description="One row per hour, oldest first")
    totals: SalesTotals


class SalesDailyReport(_Timed):
    days: int
    rows: list[SalesDailyRow] = Field(description="One row per day, oldest first")
    totals: SalesTotals


class TopProductRow(_Out):
    sku: str
    name: str | None = Field(description="Null when the product is unknown to the store")
    orders: int
    units: int
    revenue: DecimalText


class TopProductsReport(_Timed):
    days: int | None = Field(description="Null: all time")
    limit: int
    rows: list[TopProductRow] = Field(description="By revenue, highest first")


class TopCustomerRow(_Out):
    customer_id: UUID
    name: str | None = Field(description="Null when the customer is unknown to the store")
    orders: int
    revenue: DecimalText


class TopCustomersReport(_Timed):
    days: int | None = Field(description="Null: all time")
    limit: int
    rows: list[TopCustomerRow] = Field(description="By revenue, highest first")


# -- inventory --------------------------------------------------------------------------------
class StockRow(_Out):
    sku: str
    name: str
    on_hand: int
    reserved: int
    available: int = Field(description="On hand minus reserved")
    reorder_point: int
    reorder_qty: int
    lead_time_days: int
    price: DecimalText
    stock_value: DecimalText = Field(description="On hand × price")


class LowStockRow(StockRow):
    shortfall: int = Field(description="Units below the reorder point (0 when at it)")


class LowStockReport(_Timed):
    rows: list[LowStockRow]


class StockTotals(_Out):
    on_hand: int
    reserved: int
    stock_value: DecimalText


class StockReport(_Timed):
    rows: list[StockRow] = Field(description="Active products by SKU")
    totals: StockTotals


class MovementRow(_Out):
    day: date
    kind: str = Field(description="reservation, release, or the kind of a stock change")
    movements: int
    on_hand_delta: int
    reserved_delta: int


class MovementsReport(_Timed):
    days: int
    rows: list[MovementRow] = Field(description="By day, then kind")


# -- receivables and cash ---------------------------------------------------------------------
class OverdueInvoiceRow(_Out):
    invoice_id: UUID
    number: str
    customer_id: UUID
    customer_name: str | None = Field(description="Null when the customer is unknown")
    issue_date: date
    due_date: date
    days_overdue: int
    total: DecimalText
    balance: DecimalText = Field(description="What the customer still owes")


class OverdueTotals(_Out):
    invoices: int
    balance: DecimalText


class OverdueReport(_Timed):
    as_of: date
    rows: list[OverdueInvoiceRow] = Field(description="Oldest due date first, up to the limit")
    totals: OverdueTotals = Field(description="Over every overdue invoice, not only the rows")


class AgingRow(_Out):
    bucket: AgingBucket = Field(description="Days past due")
    invoices: int
    amount: DecimalText


class AgingTotals(_Out):
    invoices: int
    amount: DecimalText


class AgingReport(_Timed):
    as_of: date
    rows: list[AgingRow] = Field(description="Every bucket, current first")
    totals: AgingTotals


class CashRow(_Out):
    day: date
    invoiced: DecimalText
    credited: DecimalText
    received: DecimalText
    refunded: DecimalText
    ar_change: DecimalText = Field(description="How receivables moved that day")
    receivables: DecimalText = Field(description="Receivables at the end of the day")


class CashTotals(_Out):
    invoiced: DecimalText
    credited: DecimalText
    received: DecimalText
    refunded: DecimalText


class CashDailyReport(_Timed):
    days: int
    rows: list[CashRow] = Field(description="One row per day, oldest first")
    totals: CashTotals


# -- KPIs -------------------------------------------------------------------------------------
class KpiFigures(_Out):
    from_: date = Field(alias="from", description="First day of the period")
    to: date = Field(description="Last day of the period")
    revenue: DecimalText
    orders: int
    units: int
    average_order_value: DecimalText | None = Field(description="Null without orders")
    receivables: DecimalText = Field(description="At the end of the period")
    days_sales_outstanding: DecimalText | None = Field(description="Null without credit sales")
    stock_turnover: DecimalText | None = Field(description="Null without stock on hand")
    fill_rate: DecimalText | None = Field(
        description="Share of decided orders confirmed, 0 to 1; null when none was decided"
    )


class KpiChanges(_Out):
    """Change from the previous period in percent; null where the previous figure is 0 or
    either figure is null."""

    revenue: DecimalText | None
    orders: DecimalText | None
    units: DecimalText | None
    receivables: DecimalText | None
    average_order_value: DecimalText | None
    days_sales_outstanding: DecimalText | None
    stock_turnover: DecimalText | None
    fill_rate: DecimalText | None


class KpiReport(_Timed):
    days: int
    current: KpiFigures = Field(description="The last `days` days, today included")
    previous: KpiFigures = Field(description="The same number of days before")
    change_pct: KpiChanges


# -- recommendations --------------------------------------------------------------------------
class ReorderData(_Out):
    sku: str
    name: str
    available: int
    daily_demand: DecimalText
    lead_time_days: int
    suggested_qty: int
    days_of_cover: DecimalText | None = Field(description="Null when nothing sold")


class DunningData(_Out):
    invoice: str = Field(description="The invoice number")
    invoice_id: UUID
    customer_id: UUID
    customer_name: str | None
    due_date: date
    days_overdue: int
    balance: DecimalText
    level: str = Field(description="The dunning level reached, as named in the rules")


class RevenueDropData(_Out):
    current: DecimalText
    previous: DecimalText
    change_pct: DecimalText
    drop_pct: DecimalText
    window_days: int
    current_from: date
    current_to: date
    previous_from: date
    previous_to: date


class SlowMoverData(_Out):
    sku: str
    name: str
    on_hand: int
    price: DecimalText
    units_sold: int
    stock_value: DecimalText
    window_days: int


class _Recommendation(_Out):
    rule: str = Field(description="The id of the rule in the rules file")
    severity: Severity
    subject: str = Field(description="What it is about: a SKU, an invoice number, a period")
    message: str


class ReorderRecommendation(_Recommendation):
    kind: Literal["reorder"]
    data: ReorderData


class DunningRecommendation(_Recommendation):
    kind: Literal["dunning"]
    data: DunningData


class RevenueDropRecommendation(_Recommendation):
    kind: Literal["revenue_drop"]
    data: RevenueDropData


class SlowMoverRecommendation(_Recommendation):
    kind: Literal["slow_movers"]
    data: SlowMoverData


Recommendation = Annotated[
    ReorderRecommendation
    | DunningRecommendation
    | RevenueDropRecommendation
    | SlowMoverRecommendation,
    Field(discriminator="kind"),
]


class RecommendationsReport(_Timed):
    as_of: date
    rows: list[Recommendation] = Field(description="Critical first, then in rule order")


# -- read-only SQL and the projector ----------------------------------------------------------
class SqlColumn(_Out):
    name: str
    type: str = Field(description="The DuckDB type, e.g. BIGINT or DECIMAL(18,2)")


class SqlResult(_Timed):
    columns: list[SqlColumn]
    rows: list[list[SqlValue]] = Field(description="Values in the order of `columns`")
    row_count: int
    truncated: bool = Field(description="True when the query had more rows than the limit")


class AnalyticsStats(_Timed):
    source: str = Field(description="Where events come from; empty before the first batch")
    position: int = Field(description="The last event applied")
    events_processed: int
    last_event_at: datetime | None
    last_batch_at: datetime | None
    last_batch_events: int | None
    last_batch_ms: float | None
    source_position: int = Field(description="The newest event the source has")
    lag: int = Field(description="Events not yet applied")
    events_per_second: float
    batches: int = Field(description="Batches applied since this process started")
    reopens: int = Field(
        description="Times the store was closed and opened again since this process started, "
        "giving back the memory DuckDB kept (PULSE_OLAP_REOPEN_BATCHES)"
    )
    running: bool
    listeners: int = Field(description="Connected live dashboards")
    last_error: str | None
    memory_bytes: int = Field(
        description="Memory the store's buffer manager holds (cached data, indexes, query "
        "state), at most PULSE_OLAP_MEMORY_LIMIT"
    )
