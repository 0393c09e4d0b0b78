"""The annual assessment (年度考核): a grade per officer and year, proposed from the year's routine reviews
and set by the reviewer, with the share of 优秀 capped per organisation. What it means for a credential is the
credential's rule (credentials.review_rule); this module tells the fact, the latest grade (latest_annual)."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import get_in_scope, visible_org
from examsys.errors import PermissionDenied, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind
from examsys.reviews import actions
from examsys.reviews.models import AnnualAssessment, AnnualGrade, Review, ReviewPeriod, ReviewStatus, RoutineGrade

REVIEWER = Role.REVIEWER
READERS = (Role.HR_ADMIN, Role.REVIEWER, Role.AUDITOR)
DONE = (ReviewStatus.SUBMITTED, ReviewStatus.ACKNOWLEDGED, ReviewStatus.DISPUTED, ReviewStatus.UPHELD)


def propose(grades: list[RoutineGrade]) -> AnnualGrade | None:
    """The proposal from a year's routine grades (the reviewer decides):
    two or more 较差 → 不称职; one 较差, or more 一般 than better grades → 基本称职;
    at least half 好 and no 一般 or 较差 → 优秀; otherwise 称职. No routine review: no proposal."""
    if not grades:
        return None
    counts = Counter(grades)
    if counts[RoutineGrade.POOR] >= 2:
        return AnnualGrade.INCOMPETENT
    if counts[RoutineGrade.POOR] == 1 or counts[RoutineGrade.AVERAGE] * 2 > len(grades):
        return AnnualGrade.BASIC
    if counts[RoutineGrade.GOOD] * 2 >= len(grades) and not counts[RoutineGrade.AVERAGE]:
        return AnnualGrade.EXCELLENT
    return AnnualGrade.COMPETENT


def cap_share() -> float:
    return float(current_app.config.get("REVIEW_EXCELLENT_CAP", 0.20))


@dataclass
class Cap:
    org: Organisation
    assessed: int  # officers in post directly in the organisation: those the year's assessment covers
    used: int

    @property
    def places(self) -> int:
        return math.floor(self.assessed * cap_share() + 1e-9)

    @property
    def left(self) -> int:
        return max(0, self.places - self.used)


def cap_of(session: Session, org: Organisation, year: int) -> Cap:
    assessed = session.scalar(select(func.count()).select_from(Person).where(
        Person.org_id == org.id, Person.kind == PersonnelKind.OFFICER, Person.employment_status == EmploymentStatus.EMPLOYED)) or 0
    used = session.scalar(select(func.count()).select_from(AnnualAssessment).where(
        AnnualAssessment.org_id == org.id, AnnualAssessment.year == year, AnnualAssessment.grade == AnnualGrade.EXCELLENT)) or 0
    return Cap(org, assessed, used)


@dataclass
class SheetRow:
    person: Person
    routine: list[RoutineGrade] = field(default_factory=list)
    proposed: AnnualGrade | None = None
    assessment: AnnualAssessment | None = None


def sheet(session: Session, actor: User, org_id: int, year: int) -> tuple[list[SheetRow], list[Cap]]:
    """The officers in post under `org_id` with the year's routine grades, the proposal and the grade
    set so far; and the 优秀 places of each organisation on the sheet."""
    org = visible_org(session, actor, READERS, org_id)
    people = list(session.scalars(select(Person).join(Organisation, Person.org_id == Organisation.id).where(
        Organisation.path.startswith(org.path), Person.kind == PersonnelKind.OFFICER,
        Person.employment_status == EmploymentStatus.EMPLOYED).options(joinedload(Person.org)).order_by(Organisation.path, Person.name_key)))
    ids = [p.id for p in people]
    routine: dict[int, list[RoutineGrade]] = defaultdict(list)
    assessments: dict[int, AnnualAssessment] = {}
    for chunk in (ids[i:i + 1000] for i in range(0, len(ids), 1000)):
        for person_id, grade in session.execute(select(Review.person_id, Review.grade).join(ReviewPeriod).where(
                Review.person_id.in_(chunk), ReviewPeriod.year == year, Review.status.in_(DONE)).order_by(ReviewPeriod.starts_on)):
            routine[person_id].append(grade)
        for a in session.scalars(select(AnnualAssessment).where(AnnualAssessment.person_id.in_(chunk), AnnualAssessment.year == year)):
            assessments[a.person_id] = a
    rows = [SheetRow(p, routine[p.id], propose(routine[p.id]), assessments.get(p.id)) for p in people]
    caps = [cap_of(session, o, year) for o in {p.org.id: p.org for p in people}.values()]
    return rows, sorted(caps, key=lambda c: c.org.path)


def set_grade(session: Session, actor: User, person_id: int, year: int, grade: AnnualGrade, comment: str = "") -> AnnualAssessment:
    """The reviewer sets (or corrects) the year's grade. 优秀 beyond the organisation's cap is refused
    with the numbers; the rules on 不称职 run after every change."""
    person = get_in_scope(session, actor, Person, person_id, roles=REVIEWER, missing=_("No such person."))
    if person.id == actor.person_id:
        raise PermissionDenied(_("Nobody reviews their own record."))
    if person.kind is not PersonnelKind.OFFICER:
        raise ValidationFailed(_("The annual grade was not set."), {"grade": [_("Only enforcement officers are assessed here.")]})
    if year > clock.now().year:
        raise ValidationFailed(_("The annual grade was not set."), {"year": [_("A year that has not begun cannot be assessed.")]})
    assessment = session.scalar(select(AnnualAssessment).where(AnnualAssessment.person_id == person.id, AnnualAssessment.year == year))
    if grade is AnnualGrade.EXCELLENT and (assessment is None or assessment.grade is not AnnualGrade.EXCELLENT):
        org = assessment.org if assessment is not None else person.org
        cap = cap_of(session, org, year)
        if cap.left <= 0:
            raise ValidationFailed(_("The annual grade was not set."), {"grade": [
                _("Excellent is capped at %(share)d%% of the %(n)d officers assessed in %(org)s: %(places)d places, all taken.",
                  share=round(cap_share() * 100), n=cap.assessed, org=org.name, places=cap.places)]})
    grades = [g for (g,) in session.execute(select(Review.grade).join(ReviewPeriod).where(
        Review.person_id == person.id, ReviewPeriod.year == year, Review.status.in_(DONE)))]
    before = assessment.grade.value if assessment is not None else None
    if assessment is None:
        assessment = AnnualAssessment(person=person, year=year, org=person.org, grade=grade)
        session.add(assessment)
    assessment.grade, assessment.proposed, assessment.comment = grade, propose(grades), comment.strip()
    assessment.set_by_id, assessment.set_at = actor.id, clock.now()
    session.flush()
    record(session, actor, "review.annual", "person", person.id, label=f"{person.name} {year}", org=person.org,
           before={"grade": before}, after={"year": year, "grade": grade.value,
                                            "proposed": assessment.proposed.value if assessment.proposed else None})
    actions.after_annual_grade(session, actor, person)
    return assessment


def annual_of(session: Session, person_id: int) -> list[AnnualAssessment]:
    return list(session.scalars(select(AnnualAssessment).where(AnnualAssessment.person_id == person_id).order_by(AnnualAssessment.year.desc())))


def latest_annual(session: Session, person_id: int) -> AnnualAssessment | None:
    """The person's most recent annual assessment, or None: a fact the credential's eligibility reads
    (credentials.review_rule applies rule 3 to it)."""
    return session.scalar(select(AnnualAssessment).where(AnnualAssessment.person_id == person_id)
                          .order_by(AnnualAssessment.year.desc()).limit(1))
