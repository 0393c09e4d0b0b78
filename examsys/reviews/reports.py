"""Reports for HR and supervisors: the grade distribution per organisation in a period, overdue reviews,
open and late actions; as tables, an XLSX file and a chart drawn on the server (SVG, no script)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from examsys import clock
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
    bar_x, bar_w, row_h, top = 190, 420, 26, 52
    height = top + row_h * max(1, len(rows)) + 16
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 {height}" role="img" class="chart" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    x = 10
    for grade in GRADES:
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{COLOURS[grade]}"/>'
                     f'<text x="{x + 16}" y="19" font-size="12">{escape(grade.label)}</text>')
        x += 110
    nothing, none_graded = escape(_("No graded reviews yet.")), escape(_("none graded"))
    if not rows:
        parts.append(f'<text x="10" y="{top + 16}" font-size="13">{nothing}</text>')
    for n, row in enumerate(rows):
        y = top + n * row_h
        name = row.org.name if len(row.org.name) <= 14 else row.org.name[:13] + "…"
        parts.append(f'<text x="{bar_x - 8}" y="{y + 15}" font-size="12" text-anchor="end">{escape(name)}</text>')
        if not row.graded:
            parts.append(f'<text x="{bar_x}" y="{y + 15}" font-size="12" fill="#666">{none_graded}</text>')
            continue
        left = float(bar_x)
        for grade in GRADES:
            count = row.grades.get(grade, 0)
            if not count:
                continue
            width = bar_w * count / row.graded
            parts.append(f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="18" fill="{COLOURS[grade]}">'
                         f'<title>{escape(row.org.name)} {escape(grade.label)}: {count}</title></rect>')
            if width > 22:
                parts.append(f'<text x="{left + width / 2:.1f}" y="{y + 13}" font-size="11" fill="#fff" text-anchor="middle">{count}</text>')
            left += width
        parts.append(f'<text x="{bar_x + bar_w + 6}" y="{y + 14}" font-size="11">{row.graded}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
