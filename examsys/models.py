"""Imports every model module, so that Base.metadata knows every table (Alembic, tests)."""
from examsys.api import models as api_models  # noqa: F401
from examsys.audit import models as audit_models  # noqa: F401
from examsys.auth import models as auth_models  # noqa: F401
from examsys.bank import models as bank_models  # noqa: F401
from examsys.credentials import cases as credential_cases  # noqa: F401
from examsys.credentials import models as credential_models  # noqa: F401
from examsys.credentials.exemptions import services as credential_exemptions  # noqa: F401
from examsys.credentials.public import lookups as credential_lookups  # noqa: F401
from examsys.domains import models as domain_models  # noqa: F401
from examsys.exams import models as exam_models  # noqa: F401
from examsys.exams import outcomes as exam_outcomes  # noqa: F401
from examsys.imports import models as import_models  # noqa: F401
from examsys.jobs import records as job_records  # noqa: F401
from examsys.orgs import models as org_models  # noqa: F401
from examsys.personnel import models as personnel_models  # noqa: F401
from examsys.reviews import models as review_models  # noqa: F401
from examsys.supervision import models as supervision_models  # noqa: F401
