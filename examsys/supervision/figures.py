"""The supervision dashboard's figures and the lists behind them.

Every figure is the database's count of the rows its list shows (one aggregate query each, no Python loop
over rows), scoped to the actor's subtree: a county auditor counts its county only. The same figures are counted for
an organisation's subtree when the monthly snapshots are taken (examsys/supervision/snapshots.py)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session, joinedload

from examsys import clock
from examsys.auth.models import Role, User
from examsys.auth.permissions import require_any_scope, scope_clause
from examsys.credentials.models import CURRENT, Credential, CredentialStatus, OfficerReport, ReportStatus, credential_domain
from examsys.domains.models import EnforcementDomain
from examsys.errors import NotFound
from examsys.orgs.models import Organisation
from examsys.pagination import count_rows
from examsys.personnel.models import EmploymentStatus, Person, PersonnelKind, PersonnelTask, TaskKind, TaskStatus, person_domain
from examsys.reviews.models import ActionKind, ActionStatus, FollowUpAction, Review, ReviewPeriod, ReviewStatus

SUPERVISORS = (Role.AUDITOR, Role.SYSADMIN)
EXPIRY_WINDOW = timedelta(days=90)
MIN_QUALIFIED = 2  # single-officer enforcement is not allowed: at least two qualified officers per domain

Viewer = User | Organisation  # a supervisor (their scope), or an organisation (its subtree, for a snapshot)
Query = Callable[[Session, Viewer, date], Select[Any]]


def _scope(session: Session, actor: Viewer, path_column: Any) -> Any:
    if isinstance(actor, Organisation):
        return path_column.startswith(actor.path)
    return scope_clause(session, actor, SUPERVISORS, path_column)


def _credentials(session: Session, actor: Viewer, *conditions: Any) -> Select[Any]:
    return (select(Credential).join(Organisation, Credential.org_id == Organisation.id)
            .where(_scope(session, actor, Organisation.path), *conditions)
            .options(joinedload(Credential.person), joinedload(Credential.org))
            .order_by(Credential.valid_to, Credential.id))


def in_force(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _credentials(session, actor, Credential.status == CredentialStatus.ACTIVE, Credential.valid_to >= today)


def suspended(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _credentials(session, actor, Credential.status == CredentialStatus.SUSPENDED)


def expiring(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _credentials(session, actor, Credential.status == CredentialStatus.ACTIVE, Credential.valid_to >= today,
                        Credential.valid_to <= today + EXPIRY_WINDOW)


def _in_post_officer() -> Any:
    return and_(Person.kind == PersonnelKind.OFFICER, Person.employment_status == EmploymentStatus.EMPLOYED)


def short_of_officers(session: Session, actor: Viewer, today: date) -> Select[Any]:
    """(organisation, domain) pairs where the organisation enforces the domain (an officer in post is recorded
    for it) and fewer than two of its officers in post hold a credential in force covering it."""
    duty = (select(Person.org_id.label("org_id"), person_domain.c.domain_id.label("domain_id"))
            .join(person_domain, person_domain.c.person_id == Person.id).where(_in_post_officer()).distinct().subquery())
    qualified = (select(Person.org_id.label("org_id"), credential_domain.c.domain_id.label("domain_id"),
                        func.count(func.distinct(Person.id)).label("n"))
                 .select_from(Credential).join(Person, Credential.person_id == Person.id)
                 .join(credential_domain, credential_domain.c.credential_id == Credential.id)
                 .where(_in_post_officer(), Credential.status == CredentialStatus.ACTIVE, Credential.valid_to >= today)
                 .group_by(Person.org_id, credential_domain.c.domain_id).subquery())
    count = func.coalesce(qualified.c.n, 0)
    return (select(Organisation, EnforcementDomain, count.label("qualified")).select_from(duty)
            .join(Organisation, Organisation.id == duty.c.org_id).join(EnforcementDomain, EnforcementDomain.id == duty.c.domain_id)
            .outerjoin(qualified, and_(qualified.c.org_id == duty.c.org_id, qualified.c.domain_id == duty.c.domain_id))
            .where(count < MIN_QUALIFIED, _scope(session, actor, Organisation.path))
            .order_by(count, Organisation.code, EnforcementDomain.code))


def without_credential(session: Session, actor: Viewer, today: date) -> Select[Any]:
    """Officers in post (recorded as enforcing) who hold no current credential."""
    has = exists().where(Credential.person_id == Person.id, Credential.status.in_(CURRENT))
    return (select(Person).join(Organisation, Person.org_id == Organisation.id)
            .where(_in_post_officer(), ~has, _scope(session, actor, Organisation.path))
            .options(joinedload(Person.org)).order_by(Organisation.code, Person.name, Person.id))


def _reviews(session: Session, actor: Viewer, *conditions: Any) -> Select[Any]:
    return (select(Review).join(ReviewPeriod, Review.period_id == ReviewPeriod.id)
            .where(_scope(session, actor, Review.org_path), *conditions)
            .options(joinedload(Review.person), joinedload(Review.period)).order_by(ReviewPeriod.due_on, Review.id))


def overdue_reviews(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _reviews(session, actor, Review.status.in_((ReviewStatus.DUE, ReviewStatus.DRAFT)), ReviewPeriod.due_on < today)


def open_disputes(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _reviews(session, actor, Review.status == ReviewStatus.DISPUTED)


def _actions(session: Session, actor: Viewer, *conditions: Any) -> Select[Any]:
    return (select(FollowUpAction).join(Organisation, FollowUpAction.owner_org_id == Organisation.id)
            .where(FollowUpAction.status == ActionStatus.OPEN, _scope(session, actor, Organisation.path), *conditions)
            .options(joinedload(FollowUpAction.person), joinedload(FollowUpAction.owner_org))
            .order_by(FollowUpAction.due_on, FollowUpAction.id))


def actions_past_due(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _actions(session, actor, FollowUpAction.due_on < today)


def open_disqualifications(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _actions(session, actor, FollowUpAction.kind == ActionKind.DISQUALIFICATION)


def _reports(session: Session, actor: Viewer, *conditions: Any) -> Select[Any]:
    return (select(OfficerReport).join(Organisation, OfficerReport.org_id == Organisation.id)
            .where(OfficerReport.status == ReportStatus.OPEN, _scope(session, actor, Organisation.path), *conditions)
            .options(joinedload(OfficerReport.credential).joinedload(Credential.person), joinedload(OfficerReport.org))
            .order_by(OfficerReport.created_at, OfficerReport.id))


def _age_limit(days: int) -> datetime:
    return clock.now() - timedelta(days=days)


def reports_week(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _reports(session, actor, OfficerReport.created_at >= _age_limit(7))


def reports_month(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _reports(session, actor, OfficerReport.created_at < _age_limit(7), OfficerReport.created_at >= _age_limit(30))


def reports_older(session: Session, actor: Viewer, today: date) -> Select[Any]:
    return _reports(session, actor, OfficerReport.created_at < _age_limit(30))


def awaiting_decision(session: Session, actor: Viewer, today: date) -> Select[Any]:
    """Credentials whose holder's standing changed: the personnel task for a decision is still open."""
    return (select(PersonnelTask).join(Organisation, PersonnelTask.org_id == Organisation.id)
            .where(PersonnelTask.kind == TaskKind.CREDENTIAL_DECISION, PersonnelTask.status == TaskStatus.OPEN,
                   _scope(session, actor, Organisation.path))
            .options(joinedload(PersonnelTask.person), joinedload(PersonnelTask.org))
            .order_by(PersonnelTask.created_at, PersonnelTask.id))


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    query: Query
    kind: str  # which columns the list shows: credential, pair, person, review, action, report, task


FIGURES = {figure.key: figure for figure in (
    Figure("in_force", _l("Credentials in force"), in_force, "credential"),
    Figure("suspended", _l("Credentials suspended"), suspended, "credential"),
    Figure("expiring", _l("Credentials expiring within 90 days"), expiring, "credential"),
    Figure("short_of_officers", _l("Organisations with fewer than two qualified officers in a domain they enforce"),
           short_of_officers, "pair"),
    Figure("without_credential", _l("Officers in post without a credential"), without_credential, "person"),
    Figure("overdue_reviews", _l("Overdue reviews"), overdue_reviews, "review"),
    Figure("open_disputes", _l("Open disputes"), open_disputes, "review"),
    Figure("actions_past_due", _l("Follow-up actions past due"), actions_past_due, "action"),
    Figure("open_disqualifications", _l("Open disqualification cases"), open_disqualifications, "action"),
    Figure("reports_week", _l("Reports awaiting an answer, up to 7 days old"), reports_week, "report"),
    Figure("reports_month", _l("Reports awaiting an answer, 8 to 30 days old"), reports_month, "report"),
    Figure("reports_older", _l("Reports awaiting an answer, older than 30 days"), reports_older, "report"),
    Figure("awaiting_decision", _l("Credentials awaiting a decision after a change of standing"), awaiting_decision, "task"),
)}


@dataclass(frozen=True)
class Staffing:
    officers: int
    auxiliaries: int

    @property
    def per_officer(self) -> float | None:
        return round(self.auxiliaries / self.officers, 2) if self.officers else None


def staffing(session: Session, actor: Viewer) -> Staffing:
    """Officers and auxiliary staff in post in the actor's scope, counted in one query."""
    in_post = Person.employment_status == EmploymentStatus.EMPLOYED
    officers, auxiliaries = session.execute(
        select(func.coalesce(func.sum(case((and_(in_post, Person.kind == PersonnelKind.OFFICER), 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(in_post, Person.kind == PersonnelKind.AUXILIARY), 1), else_=0)), 0))
        .join(Organisation, Person.org_id == Organisation.id).where(_scope(session, actor, Organisation.path))).one()
    return Staffing(int(officers), int(auxiliaries))


def dashboard(session: Session, actor: User, today: date | None = None) -> tuple[dict[str, int], Staffing]:
    """Every figure's count for the actor's scope. Refuses an actor who supervises nothing."""
    require_any_scope(session, actor, SUPERVISORS)
    return counts(session, actor, today or clock.today())


def counts(session: Session, viewer: Viewer, today: date) -> tuple[dict[str, int], Staffing]:
    """Every figure's count for a supervisor's scope or an organisation's subtree (the caller checked who may see it)."""
    return ({key: count_rows(session, figure.query(session, viewer, today)) for key, figure in FIGURES.items()},
            staffing(session, viewer))


def figure_list(session: Session, actor: User, key: str, today: date | None = None) -> tuple[Figure, Select[Any]]:
    """The figure named `key` and the query of its rows, for the actor's scope."""
    require_any_scope(session, actor, SUPERVISORS)
    figure = FIGURES.get(key)
    if figure is None:
        raise NotFound(_("No such figure."))
    return figure, figure.query(session, actor, today or clock.today())
