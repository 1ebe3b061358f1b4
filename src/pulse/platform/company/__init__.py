"""Company settings (the hub): the company printed on documents, its currency and locale,
named tax rates, document numbering, default payment terms and the fiscal year.

Public surface for the modules: `company_profile` (what documents print), `tax_rate` (a
named rate a product refers to) and `TaxRateChanged` (products follow their rate).
"""

from pulse.platform.company.events import EVENTS, TaxRateChanged
from pulse.platform.company.service import CompanyProfile, company_profile, tax_rate

__all__ = ["EVENTS", "CompanyProfile", "TaxRateChanged", "company_profile", "tax_rate"]
