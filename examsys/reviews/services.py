"""Review periods and reviews: HR opens a period for a subtree, the reviewer (department head) scores
each officer, the officer acknowledges or disputes, HR sends a disputed review back or upholds it."""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import Actor, can, get_in_scope, grant_roots, in_scope, require_any_scope, scope_clause, visible_org
from examsys.errors import InvalidState, PermissionDenied, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.orgs.services import orgs_of_paths
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind
from examsys.reviews import actions
from examsys.reviews.models import PeriodKind, Review, ReviewPeriod, ReviewScore, ReviewStatus
from examsys.reviews.schemes import HR, READERS, _decimal, effective_scheme, number

REVIEWER = Role.REVIEWER


# ---- periods -------------------------------------------------------------------------------------

def period_span(kind: PeriodKind, year: int, number: int) -> tuple[date, date]:
    months = 12 // kind.count
    first = (number - 1) * months + 1
    last = first + months - 1
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def period_label(period: ReviewPeriod) -> str:
    if period.kind is PeriodKind.MONTH:
        return _("%(year)d, month %(n)d", year=period.year, n=period.number)
    if period.kind is PeriodKind.QUARTER:
        return _("%(year)d, quarter %(n)d", year=period.year, n=period.number)
    return _("%(year)d, half %(n)d", year=period.year, n=period.number)


def open_period(session: Session, actor: Actor, org_id: int, kind: PeriodKind, year: int, number: int,
                due_on: date | None = None) -> ReviewPeriod:
    """Open a period for the subtree of `org_id`: every regular officer in post there is due a review,
    against the scheme in force for their organisation."""
    org = visible_org(session, actor, HR, org_id)
    errors: dict[str, list[str]] = {}
    if not 1 <= number <= kind.count:
        errors["number"] = [_("Choose a number from 1 to %(n)d.", n=kind.count)]
    if not 2000 <= year <= 2100:
        errors["year"] = [_("Give a year such as %(year)d.", year=clock.now().year)]
    if errors:
        raise ValidationFailed(_("The period was not opened."), errors)
    starts, ends = period_span(kind, year, number)
    due = due_on or date.fromordinal(ends.toordinal() + 15)
    if due < starts:
        errors["due_on"] = [_("The reviews cannot be due before the period starts.")]
    related = session.scalars(select(ReviewPeriod).where(ReviewPeriod.starts_on <= ends, ReviewPeriod.ends_on >= starts))
    overlap = next((p for p in related if p.org.contains(org) or org.contains(p.org)), None)
    if overlap is not None:
        errors["number"] = [_("The period %(label)s of %(org)s already covers this time for this subtree.",
                              label=period_label(overlap), org=overlap.org.name)]
    if errors:
        raise ValidationFailed(_("The period was not opened."), errors)
    officers = list(session.scalars(select(Person).join(Organisation, Person.org_id == Organisation.id).where(
        Organisation.path.startswith(org.path), Person.kind == PersonnelKind.OFFICER,
        Person.employment_status == EmploymentStatus.EMPLOYED).options(joinedload(Person.org))))
    period = ReviewPeriod(org=org, kind=kind, year=year, number=number, starts_on=starts, ends_on=ends, due_on=due,
                          opened_by_id=actor.id if actor else None)
    session.add(period)
    schemes: dict[int, int] = {}
    missing: set[str] = set()
    for person in officers:
        if person.org_id not in schemes:
            scheme = effective_scheme(session, person.org)
            if scheme is None:
                missing.add(person.org.name)
                continue
            schemes[person.org_id] = scheme.id
    if missing:
        raise ValidationFailed(_("The period was not opened."), {"org_id": [
            _("No indicator scheme applies to %(orgs)s; define one first.", orgs="、".join(sorted(missing)))]})
    session.add_all(Review(period=period, person_id=p.id, org_path=p.org.path, scheme_id=schemes[p.org_id]) for p in officers)
    session.flush()
    record(session, actor, "review.period_open", "review_period", period.id, label=f"{org.name} {period_label(period)}", org=org,
           after={"due_on": due.isoformat(), "officers": len(officers)})
    return period


def review_count(session: Session, period_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Review).where(Review.period_id == period_id)) or 0


def _concerns(actor: User, period: ReviewPeriod) -> bool:
    return any(period.org.contains(root) or root.contains(period.org) for root in grant_roots(actor, READERS))


def periods(session: Session, actor: User) -> list[ReviewPeriod]:
    require_any_scope(session, actor, READERS)
    query = select(ReviewPeriod).options(joinedload(ReviewPeriod.org)).order_by(ReviewPeriod.starts_on.desc(), ReviewPeriod.id.desc())
    return [p for p in session.scalars(query) if _concerns(actor, p)]


def get_period(session: Session, actor: User, period_id: int) -> ReviewPeriod:
    return get_in_scope(session, actor, ReviewPeriod, period_id, allow=lambda p: _concerns(actor, p), missing=_("No such review period."))


def close_period(session: Session, actor: User, period_id: int) -> ReviewPeriod:
    period = in_scope(actor, get_period(session, actor, period_id), roles=HR, missing=_("No such review period."))
    if period.closed:
        raise InvalidState(_("The period is already closed."))
    period.closed = True
    session.flush()
    record(session, actor, "review.period_close", "review_period", period.id, label=period_label(period), org=period.org)
    return period


@dataclass
class Progress:
    org: Organisation
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def progress(session: Session, actor: User, period: ReviewPeriod) -> list[Progress]:
    """Done / in progress / not started / overdue per organisation the actor may read, in tree order.
    Overdue is computed when read: not done and past the period's due date."""
    query = (select(Review.org_path, Review.status, func.count()).where(Review.period_id == period.id,
                                                                        scope_clause(session, actor, READERS, Review.org_path))
             .group_by(Review.org_path, Review.status))
    late = clock.today() > period.due_on
    by_path: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path, status, n in session.execute(query):
        key = "done" if status.done else ("overdue" if late else status.value)
        by_path[path][key] += n
    orgs = orgs_of_paths(session, by_path)
    return [Progress(orgs[path], counts) for path, counts in sorted(by_path.items()) if path in orgs]


@dataclass(frozen=True)
class ReviewFilter:
    status: ReviewStatus | None = None
    overdue: bool = False
    text: str = ""


def review_query(session: Session, actor: User, period: ReviewPeriod, filters: ReviewFilter) -> Select[tuple[Review]]:
    query = (select(Review).join(Person, Review.person_id == Person.id)
             .where(Review.period_id == period.id, scope_clause(session, actor, READERS, Review.org_path))
             .options(joinedload(Review.person).joinedload(Person.org), joinedload(Review.period))
             .order_by(Review.org_path, Person.name_key, Review.id))
    if filters.status is not None:
        query = query.where(Review.status == filters.status)
    if filters.overdue:
        query = query.where(Review.status.in_((ReviewStatus.DUE, ReviewStatus.DRAFT)))
        if clock.today() <= period.due_on:
            query = query.where(false())
    if filters.text.strip():
        query = query.where(Person.name.ilike(f"%{filters.text.strip()}%"))
    return query


# ---- one review ----------------------------------------------------------------------------------

def get_review(session: Session, actor: User, review_id: int) -> Review:
    """Readable by the officer reviewed and by reviewers, HR and auditors over the officer's organisation."""
    return get_in_scope(session, actor, Review, review_id, roles=READERS, org_of=lambda r: r.person.org,
                        allow=lambda r: r.person_id == actor.person_id, options=[selectinload(Review.scores), joinedload(Review.period)],
                        missing=_("No such review."))


def may_enter(actor: User, review: Review) -> bool:
    return (can(actor, REVIEWER, review.person.org) and review.person_id != actor.person_id
            and not review.period.closed and review.status in (ReviewStatus.DUE, ReviewStatus.DRAFT))


@dataclass(frozen=True)
class ScoreEntry:
    indicator_id: int
    score: str
    evidence: str = ""


def enter(session: Session, actor: User, review_id: int, entries: list[ScoreEntry], comment: str, submit: bool) -> Review:
    """Save the reviewer's scores (a draft), or submit them: then every scored indicator needs a score,
    the total and grade are computed from the scheme and the officer is asked to respond."""
    review = get_review(session, actor, review_id)
    if review.person_id == actor.person_id:
        raise PermissionDenied(_("Nobody reviews their own record."))
    if not can(actor, REVIEWER, review.person.org):
        raise PermissionDenied(_("Only the reviewer of %(org)s may enter this review.", org=review.person.org.name))
    if review.period.closed:
        raise InvalidState(_("The period is closed."))
    if review.status not in (ReviewStatus.DUE, ReviewStatus.DRAFT):
        raise InvalidState(_("This review has been submitted; HR can send it back for re-review."))
    given = {e.indicator_id: e for e in entries}
    errors: dict[str, list[str]] = {}
    values: dict[int, Decimal] = {}
    for indicator in review.scheme.leaves:
        entry = given.get(indicator.id)
        text = entry.score.strip() if entry else ""
        if not text:
            if submit:
                errors[f"score-{indicator.id}"] = [_("Give a score.")]
            continue
        value = _decimal(text)
        if value is None or not (0 <= value <= indicator.points):
            errors[f"score-{indicator.id}"] = [_("Give a score from 0 to %(max)s, with at most one decimal.", max=f"{number(indicator.points)}")]
            continue
        values[indicator.id] = value
    if submit and not comment.strip():
        errors["comment"] = [_("Write a comment for the officer.")]
    if errors:
        raise ValidationFailed(_("The review was not saved."), errors)
    _store(review, values, {i: given[i].evidence for i in values}, comment)
    review.reviewer_id = actor.id
    if submit:
        _submit(session, actor, review)
    else:
        review.status = ReviewStatus.DRAFT
        session.flush()
        record(session, actor, "review.draft", "review", review.id, label=review.person.name, org=review.person.org,
               after={"scores": {str(k): str(v) for k, v in values.items()}})
    return review


def _store(review: Review, values: dict[int, Decimal], evidence: dict[int, str], comment: str) -> None:
    by_indicator = {s.indicator_id: s for s in review.scores}
    for indicator_id, value in values.items():
        score = by_indicator.get(indicator_id)
        if score is None:
            review.scores.append(ReviewScore(indicator_id=indicator_id, score=value, evidence=evidence.get(indicator_id, "").strip()))
        else:
            score.score, score.evidence = value, evidence.get(indicator_id, "").strip()
    review.comment = comment.strip()


def _submit(session: Session, actor: Actor, review: Review, via: str = "form") -> None:
    total = sum((s.score for s in review.scores), Decimal(0))
    review.total, review.grade = total, review.scheme.grade_for(total)
    review.status, review.submitted_at = ReviewStatus.SUBMITTED, clock.now()
    review.response, review.responded_at = "", None
    session.flush()
    record(session, actor, "review.submit", "review", review.id, label=review.person.name, org=review.person.org,
           after={"period": period_label(review.period), "total": str(total), "grade": review.grade.value, "via": via,
                  "scores": {str(s.indicator_id): str(s.score) for s in review.scores}})
    actions.after_routine_grade(session, actor, review)


def respond(session: Session, actor: User, review_id: int, agree: bool, comment: str) -> Review:
    """The officer acknowledges the submitted review, or disputes it with a comment that goes to HR."""
    review = in_scope(actor, get_review(session, actor, review_id), allow=lambda r: r.person_id == actor.person_id,
                      missing=_("No such review."))
    if review.status is not ReviewStatus.SUBMITTED:
        raise InvalidState(_("This review is not waiting for your response."))
    if not agree and not comment.strip():
        raise ValidationFailed(_("Say what you dispute."), {"comment": [_("Say what you dispute.")]})
    review.status = ReviewStatus.ACKNOWLEDGED if agree else ReviewStatus.DISPUTED
    review.response, review.responded_at = comment.strip(), clock.now()
    session.flush()
    record(session, actor, "review.acknowledge" if agree else "review.dispute", "review", review.id, label=review.person.name,
           org=review.person.org, after={"comment": review.response})
    return review


def resolve_dispute(session: Session, actor: User, review_id: int, send_back: bool, note: str) -> Review:
    """HR of the officer's organisation sends a disputed review back for re-review, or upholds it."""
    review = in_scope(actor, get_review(session, actor, review_id), roles=HR, org_of=lambda r: r.person.org, missing=_("No such review."))
    if review.status is not ReviewStatus.DISPUTED:
        raise InvalidState(_("This review is not disputed."))
    if not note.strip():
        raise ValidationFailed(_("Give the reason for the decision."), {"note": [_("Give the reason for the decision.")]})
    review.status = ReviewStatus.DRAFT if send_back else ReviewStatus.UPHELD
    review.hr_note = note.strip()
    session.flush()
    record(session, actor, "review.send_back" if send_back else "review.uphold", "review", review.id, label=review.person.name,
           org=review.person.org, after={"note": review.hr_note})
    return review


def disputes_query(session: Session, actor: User) -> Select[tuple[Review]]:
    """Disputed reviews waiting for the actor as HR, oldest dispute first."""
    return (select(Review).where(Review.status == ReviewStatus.DISPUTED, scope_clause(session, actor, HR, Review.org_path))
            .options(joinedload(Review.person).joinedload(Person.org), joinedload(Review.period)).order_by(Review.responded_at))


def disputes(session: Session, actor: User) -> list[Review]:
    """Disputed reviews waiting for the actor as HR."""
    return list(session.scalars(disputes_query(session, actor)))


def to_enter(session: Session, actor: User, limit: int = 200) -> list[Review]:
    """Reviews in open periods the actor may enter as reviewer, overdue first."""
    return list(session.scalars(to_enter_query(session, actor).limit(limit)))


def to_enter_query(session: Session, actor: User) -> Select[tuple[Review]]:
    """Reviews in open periods the actor may enter as reviewer (none without the role), overdue first."""
    query = (select(Review).join(ReviewPeriod, Review.period_id == ReviewPeriod.id).join(Person, Review.person_id == Person.id)
             .join(Organisation, Person.org_id == Organisation.id)
             .where(ReviewPeriod.closed.is_(False), Review.status.in_((ReviewStatus.DUE, ReviewStatus.DRAFT)),
                    scope_clause(session, actor, REVIEWER, Organisation.path))
             .options(joinedload(Review.person).joinedload(Person.org), joinedload(Review.period))
             .order_by(ReviewPeriod.due_on, Organisation.path, Person.name_key))
    if actor.person_id is not None:
        query = query.where(Review.person_id != actor.person_id)
    return query


def awaiting_response_query(session: Session, person_id: int) -> Select[tuple[Review]]:
    """A person's submitted reviews that wait for them to acknowledge or dispute (on My reviews)."""
    return select(Review).where(Review.person_id == person_id, Review.status == ReviewStatus.SUBMITTED)


def reviews_of(session: Session, person_id: int) -> list[Review]:
    """A person's reviews that have been submitted, newest first (what the officer's page lists)."""
    query = (select(Review).join(ReviewPeriod, Review.period_id == ReviewPeriod.id)
             .where(Review.person_id == person_id, Review.status.not_in((ReviewStatus.DUE, ReviewStatus.DRAFT)))
             .options(joinedload(Review.period)).order_by(ReviewPeriod.starts_on.desc()))
    return list(session.scalars(query))
