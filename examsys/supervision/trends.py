"""Trends: the annual report's yearly counts month by month (local months), each an aggregate query grouped by month,
and the dashboard's figures as the monthly snapshots recorded them (examsys/supervision/snapshots.py). Each trend is
drawn as a line chart (examsys/charts.py) with its table beside it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from examsys.credentials.models import Credential, CredentialEvent, OfficerReport
from examsys.credentials.public.lookups import VerifyCount
from examsys.exams.models import Attempt
from examsys.exams.outcomes import HANDED_IN
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person, TrainingRecord
from examsys.supervision import exam_stats, snapshots
from examsys.supervision.annual import EVENTS, ROW_LABELS, month_bounds
from examsys.supervision.figures import FIGURES

MONTHS = 12


@dataclass(frozen=True)
class Trend:
    key: str
    title: Any
    series: list[tuple[str, list[int | None]]]  # (name, one value per month; None: nothing recorded that month)


def _month(column: Any, bounds: list[Any]) -> Any:
    """The month (1–12) of `column` among the year's bounds; rows outside the year are filtered out by _in_year."""
    return case(*[(column < bounds[m + 1], m + 1) for m in range(MONTHS)], else_=0)


def _in_year(column: Any, bounds: list[Any]) -> Any:
    return and_(column >= bounds[0], column < bounds[-1])


def _monthly(session: Session, query: Any, column: Any, bounds: list[Any], *values: Any) -> list[list[int]]:
    """One list of twelve monthly sums per value."""
    month = _month(column, bounds)
    out = [[0] * MONTHS for _value in values]
    for row in session.execute(query.add_columns(month, *values).where(_in_year(column, bounds)).group_by(month)):
        if 1 <= row[0] <= MONTHS:
            for index, value in enumerate(row[1:]):
                out[index][row[0] - 1] = int(value or 0)
    return out


def trends(session: Session, root: Organisation, year: int) -> list[Trend]:
    """Every monthly series of the year for `root`'s subtree (the caller has checked the scope)."""
    moments = month_bounds(year)
    days = [date(year + m // 12, m % 12 + 1, 1) for m in range(MONTHS + 1)]
    inside = Organisation.path.startswith(root.path)
    credential_orgs = (select().select_from(Credential).join(Organisation, Credential.org_id == Organisation.id).where(inside))
    [issued] = _monthly(session, credential_orgs, Credential.issued_at, moments, func.count())
    events = _monthly(session, credential_orgs.join(CredentialEvent, CredentialEvent.credential_id == Credential.id)
                      .where(CredentialEvent.action.in_(EVENTS)), CredentialEvent.at, moments,
                      *(func.sum(case((CredentialEvent.action == action, 1), else_=0)) for action in EVENTS))
    papers = exam_stats.attempts(inside)
    sat, passed = _monthly(session, papers.where(Attempt.status.in_(HANDED_IN)), Attempt.submitted_at, moments,
                           func.count(), func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
    [hours] = _monthly(session, select().select_from(TrainingRecord).join(Person, TrainingRecord.person_id == Person.id)
                       .join(Organisation, Person.org_id == Organisation.id).where(inside), TrainingRecord.completed_on, days,
                       func.sum(TrainingRecord.hours))
    [lookups] = _monthly(session, credential_orgs.join(VerifyCount, VerifyCount.credential_id == Credential.id), VerifyCount.day, days,
                         func.sum(VerifyCount.lookups))
    [reports] = _monthly(session, select().select_from(OfficerReport).join(Organisation, OfficerReport.org_id == Organisation.id)
                         .where(inside), OfficerReport.created_at, moments, func.count())
    return [
        Trend("credentials", _l("Credentials issued and changed"),
              [(str(ROW_LABELS["issue"]), issued), *((str(ROW_LABELS[a]), series) for a, series in zip(EVENTS, events, strict=True))]),
        Trend("exams", _l("Exam papers handed in and passed"), [(str(_l("Sat")), sat), (str(_l("Passed")), passed)]),
        Trend("training", _l("Training hours"), [(str(_l("Training hours")), hours)]),
        Trend("public", _l("Public look-ups and reports"), [(str(ROW_LABELS["lookups"]), lookups), (str(ROW_LABELS["reports"]), reports)]),
    ]


# the dashboard's figures in charts of a few lines each: (key, title, figure keys)
STATE_CHARTS = (
    ("state-credentials", _l("Credentials at the month's snapshot"), ("in_force", "suspended", "expiring")),
    ("state-force", _l("Gaps in the enforcement force at the month's snapshot"),
     ("short_of_officers", "without_credential", "awaiting_decision")),
    ("state-cases", _l("Reviews and cases open at the month's snapshot"),
     ("overdue_reviews", "open_disputes", "actions_past_due", "open_disqualifications")),
    ("state-staff", _l("People in post and reports waiting at the month's snapshot"), ("officers", "auxiliaries", "reports_open")),
)
STATE_LABELS = {"officers": _l("Officers in post"), "auxiliaries": _l("Auxiliary staff in post"),
                "reports_open": _l("Reports awaiting an answer")}


def state_trends(session: Session, root: Organisation, year: int) -> tuple[list[Trend], bool]:
    """The dashboard's figures month by month from the snapshots, and whether snapshots are kept for `root`."""
    out, kept = [], True
    for key, title, keys in STATE_CHARTS:
        values, kept = snapshots.monthly(session, root, year, keys)
        names = [str(FIGURES[k].label if k in FIGURES else STATE_LABELS[k]) for k in keys]
        out.append(Trend(key, title, list(zip(names, values, strict=True))))
    return out, kept


def month_labels() -> list[str]:
    return [str(m) for m in range(1, MONTHS + 1)]
