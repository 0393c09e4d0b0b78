"""Reports for HR and supervisors: the grade distribution per organisation in a period, overdue reviews,
open and late actions; as tables, an XLSX file and a chart drawn on the server (SVG, no script)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from examsys import charts, clock
from examsys.auth.models import User
from examsys.auth.permissions import scope_clause
from examsys.imports.tabular import Column
from examsys.orgs.models import Organisation
from examsys.orgs.services import orgs_of_paths
from examsys.personnel.models import Person
from examsys.reviews.models import ActionStatus, FollowUpAction, Review, ReviewPeriod, RoutineGrade
from examsys.reviews.schemes import READERS

GRADES = list(RoutineGrade)
COLOURS = {RoutineGrade.GOOD: "#1b7f3b", RoutineGrade.FAIRLY_GOOD: "#6aa84f", RoutineGrade.AVERAGE: "#e0a100", RoutineGrade.POOR: "#c0392b"}


@dataclass
class Row:
    org: Organisation
    grades: dict[RoutineGrade, int] = field(default_factory=lambda: defaultdict(int))
    pending: int = 0
    overdue: int = 0
    open_actions: int = 0
    late_actions: int = 0

    @property
    def graded(self) -> int:
        return sum(self.grades.values())


def distribution(session: Session, actor: User, period: ReviewPeriod) -> list[Row]:
    """One row per organisation with reviews in the period (as far as the actor may read), in tree order."""
    late = clock.today() > period.due_on
    rows: dict[int, Row] = {}
    query = (select(Review.org_path, Review.grade, Review.status, func.count()).where(
        Review.period_id == period.id, scope_clause(session, actor, READERS, Review.org_path))
        .group_by(Review.org_path, Review.grade, Review.status))
    counted: list[tuple[str, RoutineGrade | None, bool, int]] = [(p, g, s.done, n) for p, g, s, n in session.execute(query)]
    orgs = orgs_of_paths(session, {p for p, *_rest in counted})
    for path, grade, done, n in counted:
        if path not in orgs:
            continue
        row = rows.setdefault(orgs[path].id, Row(orgs[path]))
        if done and grade is not None:
            row.grades[grade] += n
        else:
            row.pending += n
            if late:
                row.overdue += n
    today = clock.today()
    action_query = (select(Person.org_id, func.count(), func.sum(case((FollowUpAction.due_on < today, 1), else_=0)))
                    .join(Person, FollowUpAction.person_id == Person.id)
                    .where(FollowUpAction.status == ActionStatus.OPEN, Person.org_id.in_(list(rows)))
                    .group_by(Person.org_id))
    for org_id, open_count, late_count in session.execute(action_query):
        rows[org_id].open_actions, rows[org_id].late_actions = open_count, int(late_count or 0)
    return sorted(rows.values(), key=lambda row: row.org.path)


def totals(rows: list[Row]) -> Row:
    total = Row(Organisation(name=_("All organisations"), path=""))
    for row in rows:
        for grade, n in row.grades.items():
            total.grades[grade] += n
        total.pending += row.pending
        total.overdue += row.overdue
        total.open_actions += row.open_actions
        total.late_actions += row.late_actions
    return total


def export_columns() -> list[Column]:
    return [Column("org", "单位"), *(Column(g.value, str(g.label)) for g in GRADES), Column("pending", "未完成"),
            Column("overdue", "逾期"), Column("open_actions", "未办结措施"), Column("late_actions", "逾期措施")]


def export_rows(rows: list[Row]) -> list[dict[str, str]]:
    return [{"org": r.org.name, **{g.value: str(r.grades.get(g, 0)) for g in GRADES}, "pending": str(r.pending),
             "overdue": str(r.overdue), "open_actions": str(r.open_actions), "late_actions": str(r.late_actions)} for r in rows]


def chart(rows: list[Row], title: str) -> Markup:
    """A stacked bar per organisation: the share of each routine grade among its graded reviews."""
    drawing = charts.stacked([(row.org.name, [row.grades.get(g, 0) for g in GRADES]) for row in rows],
                             [(str(g.label), COLOURS[g]) for g in GRADES], title, _("No graded reviews yet."), _("none graded"))
    return charts.svg(drawing, title)
