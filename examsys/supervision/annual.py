"""The annual report's tables (法治政府建设年度报告) for a year and a subtree: every figure one aggregate query.

Figures count what happened in the year (issued, suspended, exams, training, reviews, look-ups, reports), or the state
at the year's end rebuilt from dated records (credentials held then, officers qualified by then), so that recomputing
a closed year gives the same numbers. A report is computed live; recording it stores the figures with when they were
computed and the digest of their inputs (models.AnnualReport), which a later recomputation can be compared with."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from examsys import clock
from examsys.auth.models import User
from examsys.auth.permissions import require_any_scope, visible_org
from examsys.credentials.cases import RevocationCase
from examsys.credentials.models import Credential, CredentialEvent, CredentialRequest, OfficerReport, ReportStatus, RequestKind, credential_domain
from examsys.credentials.public.lookups import VerifyCount
from examsys.errors import NotFound
from examsys.exams.models import ExamKind, ExamPlan
from examsys.exams.outcomes import ExamOutcome
from examsys.orgs.models import Organisation, OrgKind
from examsys.personnel.models import EnforcementDomain, Person, TrainingRecord
from examsys.reviews.models import AnnualAssessment, AnnualGrade, Review, ReviewPeriod, RoutineGrade
from examsys.supervision import exam_stats
from examsys.supervision.figures import SUPERVISORS
from examsys.supervision.models import AnnualReport

ENDED = ("revoke", "cancel", "supersede")
EVENTS = ("suspend", "revoke", "cancel")
LEVELS = (OrgKind.REGION, OrgKind.LEAGUE, OrgKind.COUNTY)
FIRST_YEAR = 2000

# Row labels stored as keys (the figures are stored, the language is the reader's): how each is shown.
ROW_LABELS: dict[str, Any] = {
    "issue": _l("Issued (first issuance)"), "renewal": _l("Renewed"), "replacement": _l("Replaced"),
    "suspend": _l("Suspended"), "revoke": _l("Revoked"), "cancel": _l("Cancelled"),
    "lookups": _l("Public look-ups of credentials"), "reports": _l("Reports from the public received"),
    "reports_handled": _l("of which answered"), "total": _l("In all"),
}


@dataclass(frozen=True)
class Section:
    key: str
    sheet: Any  # the workbook sheet's name (at most 31 characters)
    title: Any  # a lazy message: shown in the reader's language
    columns: tuple[Any, ...]
    total: bool = True  # the last row sums the others
    text: bool = False  # rows of text (the revocation cases), no total


SECTIONS = (
    Section("force_levels", _l("Officers by level"), _l("Enforcement officers by organisation level"),
            (_l("Organisation level"), _l("Holding a credential at the year's end (suspended included)"), _l("Qualified by the year's end"))),
    Section("force_domains", _l("Credentials by domain"), _l("Credentials held at the year's end by enforcement domain (suspended included)"),
            (_l("Enforcement domain"), _l("Number of credentials"))),
    Section("credentials", _l("Credentials in the year"), _l("Credentials issued and changed in the year"),
            (_l("What"), _l("Number of credentials")), total=False),
    Section("revocations", _l("Revocation cases"), _l("Revocations in the year with their cases"),
            (_l("Case number"), _l("Decision number"), _l("Decided on"), _l("Full name"), _l("Credential number"), _l("Legal ground")),
            total=False, text=True),
    Section("exams", _l("Exams"), _l("Exams held in the year"),
            (_l("Kind of exam"), _l("Sittings"), _l("Candidates"), _l("Sat"), _l("Passed"), _l("Pass rate"))),
    Section("training", _l("Training"), _l("Training in the year (from the training records)"),
            (_l("Organisation level"), _l("People trained"), _l("Training hours"))),
    Section("routine_grades", _l("Routine review grades"), _l("Routine review grades in the year"), (_l("Grade"), _l("Reviews"))),
    Section("annual_grades", _l("Annual review grades"), _l("Annual review grades of the year"), (_l("Grade"), _l("People"))),
    Section("public", _l("The public"), _l("The public: look-ups and reports in the year"), (_l("What"), _l("How many")), total=False),
)


def row_label(section: str, key: Any) -> str:
    """How a stored row key is shown: an organisation level, a kind of exam, a grade or a named count."""
    if key in ROW_LABELS:
        return str(ROW_LABELS[key])
    kinds: dict[str, Any] = {"force_levels": OrgKind, "training": OrgKind, "exams": ExamKind, "routine_grades": RoutineGrade,
                             "annual_grades": AnnualGrade}
    return str(kinds[section](key).label) if section in kinds else str(key)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in local time (Asia/Shanghai), as UTC moments: [start, end)."""
    def start(y: int) -> datetime:
        return datetime(y, 1, 1, tzinfo=clock.zone()).astimezone(UTC)
    return start(year), start(year + 1)


def month_bounds(year: int) -> list[datetime]:
    """The thirteen local month starts of the year, as UTC moments."""
    return [datetime(year + (m // 12), m % 12 + 1, 1, tzinfo=clock.zone()).astimezone(UTC) for m in range(13)]


def report_years(today: date | None = None) -> list[int]:
    """The years a report can be asked for: the current one and those before it, newest first."""
    current = (today or clock.today()).year
    return list(range(current, FIRST_YEAR - 1, -1))


def subtree(session: Session, actor: User, org_id: int | None) -> Organisation:
    """The organisation whose subtree the report covers: one in the actor's scope (the first root by default)."""
    roots = require_any_scope(session, actor, SUPERVISORS)
    return roots[0] if org_id is None else visible_org(session, actor, SUPERVISORS, org_id)


def check_year(year: int, today: date | None = None) -> int:
    if year not in report_years(today):
        raise NotFound(_("No report for this year."))
    return year


def _level(org: Any, parent: Any) -> Any:
    """The level an organisation stands at: its own kind, or for a department the kind of the node above it."""
    return case((org.kind == OrgKind.DEPARTMENT, parent.kind), else_=org.kind)


def _by_level(session: Session, query: Any, org: Any, parent: Any, *values: Any) -> dict[str, list[int]]:
    level = _level(org, parent)
    rows = session.execute(query.add_columns(level, *values).outerjoin(parent, parent.id == org.parent_id).group_by(level))
    return {(row[0].value if isinstance(row[0], OrgKind) else str(row[0])): [int(v or 0) for v in row[1:]] for row in rows}


def _held_at_end(end: datetime, end_day: date) -> Any:
    ended = exists().where(CredentialEvent.credential_id == Credential.id, CredentialEvent.action.in_(ENDED), CredentialEvent.at < end)
    return and_(Credential.issued_at < end, Credential.valid_from <= end_day, Credential.valid_to >= end_day, ~ended)


def _force(session: Session, root: Organisation, year: int) -> tuple[list[list[Any]], list[list[Any]]]:
    """Holders and qualified officers at the year's end (today, for the year still running)."""
    end = min(year_bounds(year)[1], clock.now() + timedelta(seconds=1))  # what was recorded up to now, this instant too
    end_day = min(date(year, 12, 31), clock.today())
    org, parent = aliased(Organisation), aliased(Organisation)
    inside = org.path.startswith(root.path)
    held = _by_level(session, select().select_from(Credential).join(org, Credential.org_id == org.id)
                     .where(inside, _held_at_end(end, end_day)), org, parent, func.count(func.distinct(Credential.person_id)))
    qualified = _by_level(session, select().select_from(ExamOutcome).join(ExamPlan, ExamOutcome.plan_id == ExamPlan.id)
                          .join(org, ExamOutcome.org_id == org.id)
                          .where(inside, ExamOutcome.first_pass < end, ExamPlan.kind.in_((ExamKind.QUALIFICATION, ExamKind.MAKEUP))),
                          org, parent, func.count(func.distinct(ExamOutcome.person_id)))
    levels = [[kind.value, held.get(kind.value, [0])[0], qualified.get(kind.value, [0])[0]] for kind in LEVELS]
    domains = session.execute(
        select(EnforcementDomain.name, func.count(func.distinct(Credential.id))).select_from(Credential)
        .join(org, Credential.org_id == org.id).join(credential_domain, credential_domain.c.credential_id == Credential.id)
        .join(EnforcementDomain, EnforcementDomain.id == credential_domain.c.domain_id)
        .where(inside, _held_at_end(end, end_day)).group_by(EnforcementDomain.code, EnforcementDomain.name).order_by(EnforcementDomain.code))
    return levels, [[name, int(n)] for name, n in domains]


def _credentials(session: Session, root: Organisation, year: int) -> list[list[Any]]:
    start, end = year_bounds(year)
    inside = Organisation.path.startswith(root.path)
    issued: dict[str, int] = {}
    for kind, n in session.execute(  # a credential issued without a request (a re-issuance campaign) counts as issued
            select(CredentialRequest.kind, func.count(func.distinct(Credential.id))).select_from(Credential)
            .join(Organisation, Credential.org_id == Organisation.id).outerjoin(CredentialRequest, CredentialRequest.issued_id == Credential.id)
            .where(inside, Credential.issued_at >= start, Credential.issued_at < end).group_by(CredentialRequest.kind)):
        key = (kind or RequestKind.ISSUE).value
        issued[key] = issued.get(key, 0) + int(n)
    events = dict(session.execute(
        select(CredentialEvent.action, func.count(func.distinct(CredentialEvent.credential_id))).select_from(CredentialEvent)
        .join(Credential, CredentialEvent.credential_id == Credential.id).join(Organisation, Credential.org_id == Organisation.id)
        .where(inside, CredentialEvent.action.in_(EVENTS), CredentialEvent.at >= start, CredentialEvent.at < end)
        .group_by(CredentialEvent.action)).all())
    return [[k.value, issued.get(k.value, 0)] for k in RequestKind] + [[action, int(events.get(action, 0))] for action in EVENTS]


def _revocations(session: Session, root: Organisation, year: int) -> list[list[Any]]:
    query = (select(RevocationCase.case_number, RevocationCase.decision_number, RevocationCase.decided_on, Person.name, Credential.number,
                    RevocationCase.ground)
             .join(Person, RevocationCase.person_id == Person.id).join(Credential, RevocationCase.credential_id == Credential.id)
             .join(Organisation, RevocationCase.org_id == Organisation.id)
             .where(Organisation.path.startswith(root.path), RevocationCase.decided_on >= date(year, 1, 1),
                    RevocationCase.decided_on <= date(year, 12, 31))
             .order_by(RevocationCase.decided_on, RevocationCase.id))
    return [[a, b, c.isoformat(), d, e, f] for a, b, c, d, e, f in session.execute(query)]


def _exams(session: Session, root: Organisation, year: int) -> list[list[Any]]:
    start, end = year_bounds(year)
    query = (exam_stats.outcomes(Organisation.path.startswith(root.path), ExamPlan.kind, func.count(func.distinct(ExamPlan.id)),
                                 *exam_stats.outcome_columns())
             .where(ExamPlan.opens_at >= start, ExamPlan.opens_at < end).group_by(ExamPlan.kind))
    found = {row[0]: row for row in session.execute(query)}
    rows = []
    for kind in (ExamKind.QUALIFICATION, ExamKind.MAKEUP, ExamKind.RENEWAL):
        row = found.get(kind)
        rows.append([kind.value, *( [int(v) for v in row[1:]] if row else [0, 0, 0, 0])])
    return rows


def _training(session: Session, root: Organisation, year: int) -> list[list[Any]]:
    org, parent = aliased(Organisation), aliased(Organisation)
    found = _by_level(session, select().select_from(TrainingRecord).join(Person, TrainingRecord.person_id == Person.id)
                      .join(org, Person.org_id == org.id).where(org.path.startswith(root.path), TrainingRecord.year == year),
                      org, parent, func.count(func.distinct(TrainingRecord.person_id)), func.sum(TrainingRecord.hours))
    return [[kind.value, *found.get(kind.value, [0, 0])] for kind in LEVELS]


def _grades(session: Session, root: Organisation, year: int) -> tuple[list[list[Any]], list[list[Any]]]:
    routine = dict(session.execute(
        select(Review.grade, func.count()).join(ReviewPeriod, Review.period_id == ReviewPeriod.id)
        .where(Review.org_path.startswith(root.path), ReviewPeriod.year == year, Review.grade.is_not(None)).group_by(Review.grade)).all())
    annual = dict(session.execute(
        select(AnnualAssessment.grade, func.count()).join(Organisation, AnnualAssessment.org_id == Organisation.id)
        .where(Organisation.path.startswith(root.path), AnnualAssessment.year == year).group_by(AnnualAssessment.grade)).all())
    return ([[g.value, int(routine.get(g, 0))] for g in RoutineGrade], [[g.value, int(annual.get(g, 0))] for g in AnnualGrade])


def _public(session: Session, root: Organisation, year: int) -> list[list[Any]]:
    start, end = year_bounds(year)
    inside = Organisation.path.startswith(root.path)
    lookups = session.scalar(
        select(func.coalesce(func.sum(VerifyCount.lookups), 0)).join(Credential, VerifyCount.credential_id == Credential.id)
        .join(Organisation, Credential.org_id == Organisation.id)
        .where(inside, VerifyCount.day >= date(year, 1, 1), VerifyCount.day <= date(year, 12, 31)))
    received, handled = session.execute(
        select(func.count(), func.coalesce(func.sum(case((OfficerReport.status == ReportStatus.HANDLED, 1), else_=0)), 0))
        .join(Organisation, OfficerReport.org_id == Organisation.id)
        .where(inside, OfficerReport.created_at >= start, OfficerReport.created_at < end)).one()
    return [["lookups", int(lookups or 0)], ["reports", int(received)], ["reports_handled", int(handled)]]


def _with_total(rows: list[list[Any]]) -> list[list[Any]]:
    width = len(rows[0]) if rows else 0
    return [*rows, ["total", *(sum(row[i] for row in rows) for i in range(1, width))]] if rows else rows


def compute(session: Session, root: Organisation, year: int) -> dict[str, Any]:
    """Every table of the report for `year` and `root`'s subtree, as stored: {section key: rows}."""
    levels, domains = _force(session, root, year)
    routine, annual = _grades(session, root, year)
    exams = _exams(session, root, year)
    tables = {"force_levels": _with_total(levels), "force_domains": _with_total(domains), "credentials": _credentials(session, root, year),
              "revocations": _revocations(session, root, year), "exams": _with_total(exams), "training": _with_total(_training(session, root, year)),
              "routine_grades": _with_total(routine), "annual_grades": _with_total(annual), "public": _public(session, root, year)}
    return {"year": year, "org_id": root.id, "org_path": root.path, "tables": tables}


def digest(figures: dict[str, Any]) -> str:
    """SHA-256 of the figures in a canonical form: equal figures, equal digest."""
    return hashlib.sha256(json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def pass_rate(row: list[Any]) -> float | None:
    """An exam row's pass rate: passed over sat (the row is [kind, sittings, candidates, sat, passed])."""
    return row[4] / row[3] if row[3] else None


def report(session: Session, actor: User, year: int, org_id: int | None) -> tuple[Organisation, dict[str, Any], str]:
    """The live report for the actor: the subtree, the figures and their digest."""
    root = subtree(session, actor, org_id)
    figures = compute(session, root, check_year(year))
    return root, figures, digest(figures)


def record(session: Session, actor: User, year: int, org_id: int | None) -> AnnualReport:
    """Compute the report and store it as it stands now, with the time and the digest."""
    root, figures, hashed = report(session, actor, year, org_id)
    stored = AnnualReport(year=year, org_id=root.id, computed_by_id=actor.id, figures=figures, digest=hashed, computed_at=clock.now())
    session.add(stored)
    session.commit()
    return stored


def recorded(session: Session, root: Organisation, year: int) -> list[AnnualReport]:
    """The reports recorded for this year and subtree, newest first."""
    return list(session.scalars(select(AnnualReport).where(AnnualReport.org_id == root.id, AnnualReport.year == year)
                                .order_by(AnnualReport.computed_at.desc(), AnnualReport.id.desc())))


def choices(session: Session, actor: User) -> list[Organisation]:
    """The subtrees a report may cover: the actor's roots and the leagues/cities and counties under them."""
    roots = require_any_scope(session, actor, SUPERVISORS)
    return list(session.scalars(select(Organisation).where(
        or_(*(Organisation.path.startswith(r.path) for r in roots)), Organisation.kind != OrgKind.DEPARTMENT)
        .order_by(Organisation.path)))
