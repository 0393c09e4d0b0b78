"""The two parts of a qualification (DESIGN §4 rules 1 and 14): the common part (公共法律知识), and the sector
part (专业法律知识) of every domain of the credential whose setting asks for one."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.bank.models import BankPart
from examsys.domains.models import EnforcementDomain
from examsys.exams.models import Attempt, AttemptStatus, ExamKind, ExamPlan


def passed_sector(session: Session, person_id: int, domain_id: int, since: datetime) -> bool:
    """Whether `person_id` passed a qualification (or make-up) exam of the sector part of `domain_id` since
    `since`; published results only (rule 14)."""
    return session.scalar(select(Attempt.id).join(ExamPlan).where(
        Attempt.person_id == person_id, Attempt.passed.is_(True), Attempt.status == AttemptStatus.GRADED,
        ExamPlan.results_published_at.is_not(None), ExamPlan.kind.in_((ExamKind.QUALIFICATION, ExamKind.MAKEUP)),
        ExamPlan.part == BankPart.SECTOR, ExamPlan.domain_id == domain_id, Attempt.submitted_at >= since).limit(1)) is not None


def sector_reasons(session: Session, person_id: int, domains: list[EnforcementDomain], since: datetime, months: int) -> list[str]:
    """One reason per domain of the credential that needs its sector part and has no pass since `since`. The
    legal-qualification exemption stands in for the common part only: it says nothing of a sector's law."""
    return [_("No sector exam for %(domain)s passed in the last %(n)d months.", domain=domain.name, n=months)
            for domain in domains if domain.needs_sector_exam and not passed_sector(session, person_id, domain.id, since)]
