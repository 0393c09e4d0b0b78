"""Monthly snapshots of the dashboard's figures, for their trends.

The dashboard counts states (credentials in force, reviews overdue, reports waiting …) as they are now; the past
states are not stored anywhere else. `take` counts every figure for the region and each league/city and county (the
roots a supervisor reports on) and keeps one row per organisation and month: a later snapshot in the same month
replaces the earlier one, so each month keeps its last state. `flask supervision snapshot` takes one; docs/deployment.md
runs it daily from cron. Months before the first snapshot have no figures ("—"), never zeros."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.orgs.models import Organisation, OrgKind
from examsys.supervision.figures import counts
from examsys.supervision.models import FigureSnapshot

ROOT_KINDS = (OrgKind.REGION, OrgKind.LEAGUE, OrgKind.COUNTY)
STAFFING = ("officers", "auxiliaries")


def _month(day: date) -> date:
    return day.replace(day=1)


def take(session: Session, today: date | None = None) -> int:
    """Count every figure for each region, league/city and county and keep it as this month's snapshot; the number
    of organisations. Run by the system (the command, the demo data), not by a page."""
    today = today or clock.today()
    month = _month(today)
    roots = session.scalars(select(Organisation).where(Organisation.kind.in_(ROOT_KINDS), Organisation.active.is_(True))
                            .order_by(Organisation.path)).all()
    kept = {row.org_id: row for row in session.scalars(select(FigureSnapshot).where(FigureSnapshot.month == month))}
    for root in roots:
        figures, staff = counts(session, root, today)
        values = {**figures, "officers": staff.officers, "auxiliaries": staff.auxiliaries}
        row = kept.get(root.id)
        if row is None:
            session.add(FigureSnapshot(org_id=root.id, month=month, figures=values))
        else:
            row.figures, row.taken_at = values, clock.now()
    session.flush()
    return len(roots)


def monthly(session: Session, root: Organisation, year: int, keys: tuple[str, ...]) -> tuple[list[list[int | None]], bool]:
    """For each key, twelve values (None for a month without a snapshot) of `root`'s subtree in `year`, and whether
    snapshots are kept for `root` at all (they are for the region, leagues/cities and counties)."""
    values: list[list[int | None]] = [[None] * 12 for _key in keys]
    rows = session.scalars(select(FigureSnapshot).where(FigureSnapshot.org_id == root.id, FigureSnapshot.month >= date(year, 1, 1),
                                                        FigureSnapshot.month <= date(year, 12, 1)))
    for row in rows:
        for index, key in enumerate(keys):
            values[index][row.month.month - 1] = _value(row.figures, key)
    return values, root.kind in ROOT_KINDS


def _value(figures: dict[str, Any], key: str) -> int | None:
    if key == "reports_open":
        parts = [figures.get(k) for k in ("reports_week", "reports_month", "reports_older")]
        return None if any(p is None for p in parts) else sum(int(p) for p in parts)  # type: ignore[arg-type]
    value = figures.get(key)
    return None if value is None else int(value)
