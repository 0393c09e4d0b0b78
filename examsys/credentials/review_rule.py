"""Rule 3's second half: the latest annual assessment 不称职, or an open disqualification case (rule 10),
blocks a credential. The reviews record the facts (reviews.annual.latest_annual,
reviews.actions.open_disqualification); the rule and its wording are the credential's."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from examsys.reviews.actions import open_disqualification
from examsys.reviews.annual import latest_annual
from examsys.reviews.models import AnnualGrade


def review_reasons(session: Session, person_id: int) -> list[str]:
    """Why the person's reviews stand in the way of a credential: one reason per fact that blocks it."""
    reasons = []
    latest = latest_annual(session, person_id)
    if latest is not None and latest.grade is AnnualGrade.INCOMPETENT:
        reasons.append(_("The latest annual assessment (%(year)d) is Incompetent.", year=latest.year))
    case = open_disqualification(session, person_id)
    if case is not None:
        reasons.append(_("A disqualification case is open with %(org)s (two consecutive annual grades of Incompetent).",
                         org=case.owner_org.name))
    return reasons
