"""Every table of the product, gathered for Alembic and the test harness."""

from pulse.billing import models as _billing_models  # noqa: F401
from pulse.inventory import models as _inventory_models  # noqa: F401
from pulse.orders import models as _orders_models  # noqa: F401
from pulse.platform import idempotency as _idempotency  # noqa: F401
from pulse.platform import numbering as _numbering  # noqa: F401
from pulse.platform import outbox as _outbox  # noqa: F401
from pulse.platform.audit import models as _audit_models  # noqa: F401
from pulse.platform.auth import factor_models as _factor_models  # noqa: F401
from pulse.platform.auth import models as _auth_models  # noqa: F401
from pulse.platform.auth import sso_models as _sso_models  # noqa: F401
from pulse.platform.company import models as _company_models  # noqa: F401
from pulse.platform.db import Base

metadata = Base.metadata
