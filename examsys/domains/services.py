"""Changing an enforcement domain's settings."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys import mongolian
from examsys.audit.writer import record
from examsys.domains.models import EnforcementDomain
from examsys.errors import NotFound, ValidationFailed


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


def set_name_mn(session: Session, code: str, name_mn: str) -> EnforcementDomain:
    """The domain's name in traditional Mongolian (empty: none), changed by the system (the command line),
    checked as every Mongolian form is, on the record."""
    domain = session.scalar(select(EnforcementDomain).where(EnforcementDomain.code == code))
    if domain is None:
        raise NotFound(_("No enforcement domain has the code %(code)s.", code=code))
    problem = mongolian.problem(name_mn)
    if problem:
        raise ValidationFailed(problem, {"name_mn": [problem]})
    before = domain.name_mn
    domain.name_mn = mongolian.normalise(name_mn)
    session.flush()
    record(session, None, "domain.name_mn", "enforcement_domain", domain.id, label=f"{domain.code} {domain.name}",
           before={"name_mn": before}, after={"name_mn": domain.name_mn})
    return domain
