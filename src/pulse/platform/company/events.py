"""Events about the company settings: each admin change, with the before and after of every
field it changed, so the audit log can show the difference."""

from __future__ import annotations

from pulse.platform.events import Event

# Field name -> [before, after]; text, numbers and rates as the API shows them.
Changes = dict[str, tuple[str | int | bool | None, str | int | bool | None]]


class CompanySettingsChanged(Event):
    type = "settings.company_changed"
    aggregate_type = "settings"
    changes: Changes
    revision: int

    def aggregate_id(self) -> str:
        return "company"


class _TaxRateEvent(Event):
    aggregate_type = "tax_rate"
    aggregate_field = "code"
    code: str


class TaxRateCreated(_TaxRateEvent):
    type = "settings.tax_rate_created"
    name: str
    rate: str
    active: bool


class TaxRateChanged(_TaxRateEvent):
    type = "settings.tax_rate_changed"
    changes: Changes


class NumberingChanged(Event):
    type = "settings.numbering_changed"
    aggregate_type = "number_series"
    aggregate_field = "series"
    series: str
    changes: Changes


EVENTS: tuple[type[Event], ...] = (
    CompanySettingsChanged,
    TaxRateCreated,
    TaxRateChanged,
    NumberingChanged,
)
