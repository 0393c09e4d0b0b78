"""The per-candidate outcome summary: one row per person and plan (sat, passed, the first failure, the last paper handed
in, the first and last pass), kept in step with the attempts so that the statistics read it instead of every attempt.

It is written in the same transaction as the attempts: after every flush that inserts, changes or deletes an attempt
(a paper handed in, graded, marked by hand, regraded, a re-sit opened), the rows of the (person, plan) pairs it touched
are recomputed from their attempts (`refresh`). `rebuild` recomputes every row (`flask supervision rebuild-summary`;
the migration's backfill is the same INSERT … SELECT). Each row keeps the candidate's organisation as it was when the
row was computed (when the paper was handed in or graded): statistics count a candidate where they sat, a transfer
later does not move a closed year's figures, and the readers need not join the people (issue 19: the statistics for a
region of 100,000 people in under 2 s)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, and_, case, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from examsys.db import Base, UTCDateTime
from examsys.exams.models import Attempt, AttemptStatus
from examsys.personnel.models import Person

HANDED_IN = (AttemptStatus.SUBMITTED, AttemptStatus.AUTO_SUBMITTED, AttemptStatus.GRADED)
# the attempt's columns an outcome depends on: a change elsewhere (an answer saved, a departure) leaves it as it is
WATCHED = ("status", "passed", "submitted_at", "graded_at", "person_id", "plan_id")


class ExamOutcome(Base):
    __tablename__ = "exam_outcome"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("exam_plan.id", ondelete="CASCADE"), primary_key=True, index=True)
    sat: Mapped[bool]  # an attempt was handed in
    passed: Mapped[bool]  # an attempt passed
    first_fail: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first graded paper that did not pass
    last_sat: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last paper handed in
    first_pass: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_pass: Mapped[datetime | None] = mapped_column(UTCDateTime)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last grading
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the candidate's organisation then


def summary(where: Any = None) -> Any:
    """INSERT … SELECT of the outcome rows from the attempts (of the pairs `where` selects; all without it)."""
    handed_in = Attempt.status.in_(HANDED_IN)
    failed = and_(Attempt.status == AttemptStatus.GRADED, Attempt.passed.is_(False))
    passed = Attempt.passed.is_(True)
    query = select(Attempt.person_id, Attempt.plan_id,
                   func.max(case((handed_in, 1), else_=0)) == 1, func.max(case((passed, 1), else_=0)) == 1,
                   func.min(case((failed, Attempt.submitted_at))), func.max(case((handed_in, Attempt.submitted_at))),
                   func.min(case((passed, Attempt.submitted_at))), func.max(case((passed, Attempt.submitted_at))),
                   func.max(Attempt.graded_at), Person.org_id).join(Person, Person.id == Attempt.person_id)
    if where is not None:
        query = query.where(where)
    columns = ["person_id", "plan_id", "sat", "passed", "first_fail", "last_sat", "first_pass", "last_pass", "graded_at",
               "org_id"]
    return insert(ExamOutcome).from_select(columns, query.group_by(Attempt.person_id, Attempt.plan_id, Person.org_id))


def refresh(connection: Any, pairs: set[tuple[int, int]]) -> None:
    """Recompute the outcome rows of these (person, plan) pairs from their attempts, one plan at a time."""
    by_plan: dict[int, set[int]] = {}
    for person_id, plan_id in pairs:
        by_plan.setdefault(plan_id, set()).add(person_id)
    for plan_id, people in by_plan.items():
        ids = sorted(people)
        connection.execute(delete(ExamOutcome).where(ExamOutcome.plan_id == plan_id, ExamOutcome.person_id.in_(ids)))
        connection.execute(summary(and_(Attempt.plan_id == plan_id, Attempt.person_id.in_(ids))))


def rebuild(session: Session) -> int:
    """Recompute every outcome row from the attempts; the number of rows."""
    session.flush()
    session.execute(delete(ExamOutcome))
    session.execute(summary())
    return int(session.scalar(select(func.count()).select_from(ExamOutcome)) or 0)


def _touched(session: Session) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for attempt in (*session.new, *session.deleted):
        if isinstance(attempt, Attempt):
            pairs.add((attempt.person_id, attempt.plan_id))
    for attempt in session.dirty:
        if not isinstance(attempt, Attempt):
            continue
        state = inspect(attempt)
        changed = [state.attrs[name].history for name in WATCHED if state.attrs[name].history.has_changes()]
        if changed:
            pairs.add((attempt.person_id, attempt.plan_id))
            for name in ("person_id", "plan_id"):  # a pair the attempt left
                old = state.attrs[name].history.deleted
                if old:
                    pairs.add((old[0], attempt.plan_id) if name == "person_id" else (attempt.person_id, old[0]))
    return pairs


@event.listens_for(Session, "after_flush")
def _keep_in_step(session: Session, _context: Any) -> None:
    pairs = _touched(session)
    if pairs:
        refresh(session.connection(), pairs)
