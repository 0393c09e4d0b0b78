"""Changing an enforcement domain's settings."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.audit.writer import record
from examsys.domains.models import EnforcementDomain
from examsys.errors import NotFound


def set_needs_sector_exam(session: Session, code: str, required: bool) -> EnforcementDomain:
    """The region's setting of one domain, changed by the system (the command line), on the record."""
    domain = session.scalar(select(EnforcementDomain).where(EnforcementDomain.code == code))
    if domain is None:
        raise NotFound(_("No enforcement domain has the code %(code)s.", code=code))
    before = domain.needs_sector_exam
    domain.needs_sector_exam = required
    session.flush()
    record(session, None, "domain.sector_exam", "enforcement_domain", domain.id, label=f"{domain.code} {domain.name}",
           before={"needs_sector_exam": before}, after={"needs_sector_exam": required})
    return domain
