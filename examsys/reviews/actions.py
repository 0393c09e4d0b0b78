"""Follow-up actions (training, rotation, rank change, reward, sanction, disqualification case), each
owned, due and tracked to done; and the rules that open them: a routine 较差 opens a training action,
two consecutive annual 不称职 open a disqualification case for the issuing authority."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import Role, User
from examsys.auth.permissions import Actor, can, get_in_scope, in_scope, require_any_scope, scope_clause
from examsys.errors import InvalidState, ValidationFailed
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person
from examsys.reviews.models import ActionKind, ActionStatus, AnnualAssessment, AnnualGrade, FollowUpAction, RoutineGrade

if TYPE_CHECKING:
    from examsys.reviews.models import Review

READERS = (Role.HR_ADMIN, Role.REVIEWER, Role.AUDITOR)
KEEPERS = (Role.HR_ADMIN, Role.REVIEWER)


def issuing_authority(session: Session, org: Organisation) -> Organisation:
    """The nearest issuing authority at or above `org`; the root of the tree when none is marked."""
    ids = org.ancestor_ids()
    nodes = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    for node_id in reversed(ids):
        if nodes[node_id].is_issuer:
            return nodes[node_id]
    return nodes[ids[0]]


def _withdraw(session: Session, actor: Actor, action: FollowUpAction, why: str) -> None:
    action.status, action.outcome, action.closed_at = ActionStatus.CANCELLED, why, clock.now()
    session.flush()
    record(session, actor, "action.withdraw", "followup_action", action.id, label=f"{action.kind.label} {action.person.name}",
           org=action.person.org, after={"outcome": why})


def after_routine_grade(session: Session, actor: Actor, review: Review) -> None:
    """A routine 较差 opens a training action (once per review); a re-review that lifts the grade
    withdraws the automatic one still open."""
    existing = session.scalar(select(FollowUpAction).where(FollowUpAction.review_id == review.id, FollowUpAction.automatic.is_(True),
                                                           FollowUpAction.kind == ActionKind.TRAINING))
    if review.grade is RoutineGrade.POOR and existing is None:
        from examsys.reviews.services import period_label

        action = FollowUpAction(person=review.person, kind=ActionKind.TRAINING, review_id=review.id, owner_org=review.person.org,
                                due_on=clock.today() + timedelta(days=int(current_app.config["REVIEW_TRAINING_DAYS"])), automatic=True,
                                description=_("Routine grade Poor in %(period)s: enforcement training and a talk with the reviewer.",
                                              period=period_label(review.period)))
        session.add(action)
        session.flush()
        record(session, actor, "action.open", "followup_action", action.id, label=f"{action.kind.label} {review.person.name}",
               org=review.person.org, after={"kind": action.kind.value, "rule": "routine_poor", "review": review.id})
    elif review.grade is not RoutineGrade.POOR and existing is not None and existing.status is ActionStatus.OPEN:
        _withdraw(session, actor, existing, _("The review was re-done and is no longer Poor."))


def after_annual_grade(session: Session, actor: Actor, person: Person) -> None:
    """Two consecutive annual 不称职 open a disqualification case with the issuing authority, linked to the
    later year; a corrected grade withdraws a case the rule opened that no longer holds."""
    years = {a.year: a for a in session.scalars(select(AnnualAssessment).where(AnnualAssessment.person_id == person.id))}
    second_of_pair = {a.id for year, a in years.items()
                      if a.grade is AnnualGrade.INCOMPETENT and year - 1 in years and years[year - 1].grade is AnnualGrade.INCOMPETENT}
    cases = list(session.scalars(select(FollowUpAction).where(FollowUpAction.person_id == person.id, FollowUpAction.automatic.is_(True),
                                                               FollowUpAction.kind == ActionKind.DISQUALIFICATION)))
    covered = {c.annual_id for c in cases}
    for annual_id in sorted(second_of_pair - covered):
        annual = session.get(AnnualAssessment, annual_id)
        assert annual is not None
        case = FollowUpAction(person=person, kind=ActionKind.DISQUALIFICATION, annual_id=annual.id,
                              owner_org=issuing_authority(session, person.org), automatic=True,
                              due_on=clock.today() + timedelta(days=int(current_app.config["REVIEW_CASE_DAYS"])),
                              description=_("Annual grade Incompetent in %(first)d and %(second)d: decide on the enforcement qualification.",
                                            first=annual.year - 1, second=annual.year))
        session.add(case)
        session.flush()
        record(session, actor, "action.open", "followup_action", case.id, label=f"{case.kind.label} {person.name}", org=person.org,
               after={"kind": case.kind.value, "rule": "two_incompetent", "years": [annual.year - 1, annual.year]})
    for case in cases:
        if case.status is ActionStatus.OPEN and case.annual_id not in second_of_pair:
            _withdraw(session, actor, case, _("The annual grades were corrected; the rule no longer applies."))


def open_disqualification(session: Session, person_id: int) -> FollowUpAction | None:
    return session.scalar(select(FollowUpAction).where(FollowUpAction.person_id == person_id, FollowUpAction.status == ActionStatus.OPEN,
                                                       FollowUpAction.kind == ActionKind.DISQUALIFICATION))


# ---- actions by hand, and their tracking ----------------------------------------------------------

MANUAL_KINDS = (ActionKind.TRAINING, ActionKind.ROTATION, ActionKind.RANK_CHANGE, ActionKind.REWARD, ActionKind.SANCTION)


def create_action(session: Session, actor: User, person_id: int, kind: ActionKind, due_on: date | None, description: str,
                  review_id: int | None = None) -> FollowUpAction:
    person = get_in_scope(session, actor, Person, person_id, roles=KEEPERS, missing=_("No such person."))
    errors: dict[str, list[str]] = {}
    if kind not in MANUAL_KINDS:
        errors["kind"] = [_("Choose the kind of action.")]
    if due_on is None or due_on < clock.today():
        errors["due_on"] = [_("Give a due date from today on.")]
    if not description.strip():
        errors["description"] = [_("Describe the action.")]
    if review_id is not None:
        from examsys.reviews.models import Review

        review = session.get(Review, review_id)
        if review is None or review.person_id != person.id:
            errors["review_id"] = [_("The review must be one of this person's.")]
    if errors:
        raise ValidationFailed(_("The action was not recorded."), errors)
    assert due_on is not None
    action = FollowUpAction(person=person, kind=kind, review_id=review_id, owner_org=person.org, owner_id=actor.id,
                            due_on=due_on, description=description.strip(), created_by_id=actor.id)
    session.add(action)
    session.flush()
    record(session, actor, "action.open", "followup_action", action.id, label=f"{kind.label} {person.name}", org=person.org,
           after={"kind": kind.value, "due_on": due_on.isoformat(), "description": action.description})
    return action


def _may_keep(actor: User, action: FollowUpAction) -> bool:
    if action.kind is ActionKind.DISQUALIFICATION:
        return can(actor, Role.HR_ADMIN, action.owner_org)
    return can(actor, KEEPERS, action.person.org)


def _may_read(actor: User, action: FollowUpAction) -> bool:
    return can(actor, READERS, action.person.org) or can(actor, READERS, action.owner_org) or action.person_id == actor.person_id


def get_action(session: Session, actor: User, action_id: int) -> FollowUpAction:
    return get_in_scope(session, actor, FollowUpAction, action_id, allow=lambda a: _may_read(actor, a), missing=_("No such action."))


def close_action(session: Session, actor: User, action_id: int, done: bool, outcome: str) -> FollowUpAction:
    """Mark an action done (with what was done) or withdraw it (with why)."""
    action = in_scope(actor, get_action(session, actor, action_id), allow=lambda a: _may_keep(actor, a), missing=_("No such action."))
    if action.status is not ActionStatus.OPEN:
        raise InvalidState(_("This action is already closed."))
    if not outcome.strip():
        raise ValidationFailed(_("The action was not closed."), {"outcome": [_("Say what was done, or why it is withdrawn.")]})
    action.status = ActionStatus.DONE if done else ActionStatus.CANCELLED
    action.outcome, action.closed_at = outcome.strip(), clock.now()
    session.flush()
    record(session, actor, "action.done" if done else "action.withdraw", "followup_action", action.id,
           label=f"{action.kind.label} {action.person.name}", org=action.person.org, after={"outcome": action.outcome})
    return action


@dataclass(frozen=True)
class ActionFilter:
    status: ActionStatus | None = ActionStatus.OPEN
    kind: ActionKind | None = None
    late: bool = False


def action_query(session: Session, actor: User, filters: ActionFilter) -> Select[tuple[FollowUpAction]]:
    """Actions about people in the actor's scope, or owned by an organisation in it."""
    require_any_scope(session, actor, READERS)
    person_org = aliased(Organisation)
    query = (select(FollowUpAction).join(Person, FollowUpAction.person_id == Person.id)
             .join(person_org, Person.org_id == person_org.id).join(Organisation, FollowUpAction.owner_org_id == Organisation.id)
             .where(or_(scope_clause(session, actor, READERS, person_org.path), scope_clause(session, actor, READERS, Organisation.path)))
             .options(joinedload(FollowUpAction.person).joinedload(Person.org), joinedload(FollowUpAction.owner_org))
             .order_by(FollowUpAction.due_on, FollowUpAction.id))
    if filters.status is not None:
        query = query.where(FollowUpAction.status == filters.status)
    if filters.kind is not None:
        query = query.where(FollowUpAction.kind == filters.kind)
    if filters.late:
        query = query.where(FollowUpAction.status == ActionStatus.OPEN, FollowUpAction.due_on < clock.today())
    return query


def actions_of(session: Session, person_id: int, open_only: bool = False, review_id: int | None = None) -> list[FollowUpAction]:
    query = select(FollowUpAction).where(FollowUpAction.person_id == person_id).order_by(FollowUpAction.created_at.desc())
    if review_id is not None:
        query = query.where(FollowUpAction.review_id == review_id)
    if open_only:
        query = query.where(FollowUpAction.status == ActionStatus.OPEN)
    return list(session.scalars(query))
