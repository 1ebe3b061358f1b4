"""Company settings (the hub): the company printed on documents, its currency and locale,
named tax rates, document numbering, default payment terms and the fiscal year.

Public surface for the modules: `company_profile` (what documents print) and `tax_rate`
(a named rate a product refers to).
"""

from pulse.platform.company.events import EVENTS
from pulse.platform.company.service import CompanyProfile, company_profile, tax_rate

__all__ = ["EVENTS", "CompanyProfile", "company_profile", "tax_rate"]
