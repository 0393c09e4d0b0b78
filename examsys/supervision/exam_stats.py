"""Exam statistics for supervisors: candidates, sat, passed and the pass rate per sitting (plan), per
league/city and county, and per year; the score distribution in bands of ten points; a plan's reliability.

Each table is one aggregate query over the outcome summary (examsys/exams/outcomes.py: one row per candidate and
plan, kept in step with the attempts, with the candidate's organisation when they sat) of candidates in the actor's
scope (a county auditor counts its county's candidates, also in a region-wide plan). A person counts once per group however many attempts they made: sat if any
attempt was handed in, passed if any attempt passed. The score distribution counts papers, so it reads the attempts."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Select, and_, case, extract, func, select
from sqlalchemy.orm import Session, aliased

from examsys import charts
from examsys.auth.models import User
from examsys.auth.permissions import require_any_scope, scope_clause
from examsys.errors import NotFound
from examsys.exams.item_analysis import Thresholds, _aggregate
from examsys.exams.models import Attempt, AttemptStatus, ExamKind, ExamPlan
from examsys.exams.outcomes import ExamOutcome
from examsys.orgs.models import Organisation, OrgKind
from examsys.personnel.models import EnforcementDomain, Person
from examsys.supervision.figures import SUPERVISORS

BANDS = 10  # 0–9.99, 10–19.99, …, 90 and above


@dataclass(frozen=True)
class Outcome:
    candidates: int
    sat: int
    passed: int

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.sat if self.sat else None


def outcome_columns() -> list[Any]:
    """Candidates, sat and passed over outcome rows (each person once however many plans the group holds)."""
    sat = case((ExamOutcome.sat.is_(True), ExamOutcome.person_id))
    passed = case((ExamOutcome.passed.is_(True), ExamOutcome.person_id))
    return [func.count(func.distinct(ExamOutcome.person_id)), func.count(func.distinct(sat)), func.count(func.distinct(passed))]


def plan_outcome_columns() -> list[Any]:
    """The same within one plan: a candidate has one outcome row per plan, so plain counts, no DISTINCT (its sort)."""
    return [func.count(), func.coalesce(func.sum(case((ExamOutcome.sat.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((ExamOutcome.passed.is_(True), 1), else_=0)), 0)]


def attempts(where: Any, *columns: Any) -> Select[Any]:
    """Attempts of candidates whose organisation's path satisfies `where` (practice plans are not exams)."""
    return (select(*columns).select_from(Attempt).join(Person, Attempt.person_id == Person.id)
            .join(Organisation, Person.org_id == Organisation.id).join(ExamPlan, Attempt.plan_id == ExamPlan.id)
            .where(where, ExamPlan.kind != ExamKind.PRACTICE))


def outcomes(where: Any, *columns: Any) -> Select[Any]:
    """Outcome rows (candidate and plan) of candidates whose organisation's path satisfied `where` when they sat (the
    row keeps the organisation; no practice)."""
    return (select(*columns).select_from(ExamOutcome).join(Organisation, ExamOutcome.org_id == Organisation.id)
            .join(ExamPlan, ExamOutcome.plan_id == ExamPlan.id)
            .where(where, ExamPlan.kind != ExamKind.PRACTICE))


def _in_scope(session: Session, actor: User) -> Any:
    require_any_scope(session, actor, SUPERVISORS)
    return scope_clause(session, actor, SUPERVISORS, Organisation.path)


def _scoped(session: Session, actor: User, *columns: Any) -> Select[Any]:
    """Outcome rows of candidates whose organisation lies in the actor's scope."""
    return outcomes(_in_scope(session, actor), *columns)


def outcome(row: Any, offset: int) -> Outcome:
    return Outcome(int(row[offset]), int(row[offset + 1]), int(row[offset + 2]))


def totals(session: Session, actor: User, plan_id: int | None = None) -> Outcome:
    query = _scoped(session, actor, *(outcome_columns() if plan_id is None else plan_outcome_columns()))
    if plan_id is not None:
        query = query.where(ExamOutcome.plan_id == plan_id)
    return outcome(session.execute(query).one(), 0)


def by_plan(session: Session, actor: User) -> list[tuple[ExamPlan, Outcome]]:
    """Every plan with candidates in the scope, newest first."""
    query = (_scoped(session, actor, ExamPlan, *plan_outcome_columns()).group_by(ExamPlan.id)
             .order_by(ExamPlan.opens_at.desc(), ExamPlan.id.desc()))
    return [(row[0], outcome(row, 1)) for row in session.execute(query)]


def by_year(session: Session, actor: User) -> list[tuple[int, Outcome]]:
    year = extract("year", ExamPlan.opens_at)
    query = _scoped(session, actor, year, *outcome_columns()).group_by(year).order_by(year.desc())
    return [(int(row[0]), outcome(row, 1)) for row in session.execute(query)]


def by_org(session: Session, actor: User, kind: OrgKind) -> list[tuple[Organisation, Outcome]]:
    """Per league/city (kind LEAGUE) or county (kind COUNTY): the candidates of its subtree."""
    unit = aliased(Organisation)
    query = (_scoped(session, actor, unit, *outcome_columns())
             .join(unit, and_(unit.kind == kind, Organisation.path.startswith(unit.path)))
             .group_by(unit.id).order_by(unit.code))
    return [(row[0], outcome(row, 1)) for row in session.execute(query)]


def above(session: Session, actor: User, kind: OrgKind) -> Outcome | None:
    """The candidates of units outside every league/city (kind LEAGUE: the region's own units) or outside every county
    (kind COUNTY: the leagues' and the region's own units), so that by_org's rows and this one add up to the total;
    None when there are none."""
    unit = aliased(Organisation)
    under = select(unit.id).where(unit.kind == kind, Organisation.path.startswith(unit.path)).exists()
    found = outcome(session.execute(_scoped(session, actor, *outcome_columns()).where(~under)).one(), 0)
    return found if found.candidates else None


def by_domain(session: Session, actor: User) -> list[tuple[str, Outcome]]:
    """Per enforcement domain of the exam (a sector part); the common part (no domain) first."""
    query = (_scoped(session, actor, ExamPlan.domain_id, EnforcementDomain.name, *outcome_columns())
             .outerjoin(EnforcementDomain, EnforcementDomain.id == ExamPlan.domain_id)
             .group_by(ExamPlan.domain_id, EnforcementDomain.name, EnforcementDomain.code)
             .order_by(EnforcementDomain.code.is_not(None), EnforcementDomain.code))
    return [(row[1] or _("Common part (all domains)"), outcome(row, 2)) for row in session.execute(query)]


@dataclass(frozen=True)
class Resits:
    failed: int  # candidates with a handed-in paper that did not pass
    resat: int  # of those, who handed in a later paper of the same kind of exam (same part and domain)
    passed: int  # of those, who passed such a later paper


def resits(session: Session, actor: User, where: Any = None) -> Resits:
    """Re-sit outcomes: of the candidates who failed an exam, how many sat it again later (another attempt of the
    plan, a make-up or a later sitting of the same part and domain) and how many then passed. One GROUP BY per
    candidate, part and domain over the outcome rows (the first failure, the last paper handed in, the last pass)."""
    columns = (ExamOutcome.person_id.label("person_id"), func.min(ExamOutcome.first_fail).label("first_fail"),
               func.max(ExamOutcome.last_sat).label("last_sat"), func.max(ExamOutcome.last_pass).label("last_pass"))
    domain = func.coalesce(ExamPlan.domain_id, 0)
    per = (_scoped(session, actor, *columns) if where is None else outcomes(where, *columns))
    per = per.group_by(ExamOutcome.person_id, ExamPlan.part, domain).subquery()
    failed_count, resat, passed = session.execute(select(
        func.count(func.distinct(case((per.c.first_fail.is_not(None), per.c.person_id)))),
        func.count(func.distinct(case((per.c.last_sat > per.c.first_fail, per.c.person_id)))),
        func.count(func.distinct(case((per.c.last_pass > per.c.first_fail, per.c.person_id)))))).one()
    return Resits(int(failed_count), int(resat), int(passed))


def distribution(session: Session, actor: User, plan_id: int | None = None) -> list[int]:
    """Graded attempts per band of ten points, in one query (a score of 100 falls in the top band)."""
    columns = [func.coalesce(func.sum(case((and_(Attempt.score >= 10 * band, Attempt.score < 10 * (band + 1)), 1)
                                           if band < BANDS - 1 else (Attempt.score >= 10 * band, 1), else_=0)), 0)
               for band in range(BANDS)]
    query = attempts(_in_scope(session, actor), *columns).where(Attempt.status == AttemptStatus.GRADED, Attempt.score.is_not(None))
    if plan_id is not None:
        query = query.where(Attempt.plan_id == plan_id)
    return [int(value) for value in session.execute(query).one()]


def band_labels() -> list[str]:
    return [f"{10 * band}–{10 * band + 9}" if band < BANDS - 1 else f"≥{10 * band}" for band in range(BANDS)]


def chart(counts: list[int]) -> Markup:
    """The distribution as a bar chart (examsys/charts.py), for a page."""
    title = _("Score distribution")
    return charts.svg(charts.bars(band_labels(), counts, title), title)


@dataclass(frozen=True)
class Reliability:
    papers: int
    items: float  # items per paper (k)
    alpha: float | None  # Cronbach's α; for items scored right or wrong it is KR-20
    sem: float | None  # standard error of measurement: σ_total × √(1 − α)
    why_not: str | None = None  # when α is None: "papers" (fewer than two), "items" (no item scores), "one item", "same score"

    @property
    def items_text(self) -> str:
        """Items per paper: a whole number as one, otherwise to one decimal (pools may give papers different counts)."""
        if not self.items:
            return "—"
        return str(int(self.items)) if float(self.items).is_integer() else f"{self.items:.1f}"


def reliability(session: Session, plan_id: int) -> Reliability:
    """Cronbach's α = k/(k−1) × (1 − Σσ²ᵢ/σ²ₜ) over the plan's graded papers, from the item sums of the item
    analysis (population variances). Where papers draw different items from pools, an item's variance counts in
    the share of papers that held it, which is exact when every paper holds the same items."""
    papers, total, squares = session.execute(
        select(func.count(), func.sum(Attempt.score), func.sum(Attempt.score * Attempt.score))
        .where(Attempt.plan_id == plan_id, Attempt.status == AttemptStatus.GRADED)).one()
    papers = int(papers or 0)
    if papers < 2:
        return Reliability(papers, 0, None, None, "papers")
    mean = float(total) / papers
    total_variance = float(squares) / papers - mean * mean
    item_variances = 0.0
    slots = 0
    for acc in _aggregate(session, [plan_id], Thresholds()).values():
        sums = acc.total
        slots += sums.n
        variance = sums.sxx / sums.n - (sums.sx / sums.n) ** 2
        item_variances += variance * sums.n / papers
    k = slots / papers
    if k == 0:
        return Reliability(papers, k, None, None, "items")
    if k <= 1:
        return Reliability(papers, k, None, None, "one item")
    if total_variance <= 1e-12:
        return Reliability(papers, k, None, None, "same score")
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    sem = math.sqrt(total_variance) * math.sqrt(max(0.0, 1 - alpha))
    return Reliability(papers, k, round(alpha, 4), round(sem, 2))


def visible_plan(session: Session, actor: User, plan_id: int) -> ExamPlan:
    """A plan with candidates in the actor's scope; otherwise NotFound."""
    found = session.scalar(_scoped(session, actor, ExamPlan).where(ExamPlan.id == plan_id).limit(1))
    if found is None:
        raise NotFound(_("No such exam."))
    return found
