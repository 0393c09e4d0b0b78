"""The question versions on exam papers not yet handed in. While a version is on one — anyone's, of any
open plan — no page shows a candidate its key or its explanation: not practice, not the review of an
earlier exam whose paper held the same question.

The rule as applied: every version drawn for an open plan that still has a paper not handed in (so also
the versions of its papers already handed in, while others are still being written). A paper never
changes once drawn and attempts only get higher ids, so each process keeps, per plan, the versions of
its papers up to the highest attempt id it has read, and reads only newer papers' items: one small
query per call in the common case, instead of reading 3,000 papers of 100 questions in a sitting."""
from __future__ import annotations

import threading
import weakref
from dataclasses import replace
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from examsys.exams.models import Attempt, AttemptStatus, ExamPlan, PlanStatus
from examsys.exams.results import ReviewEntry

UNSUBMITTED = (AttemptStatus.NOT_STARTED, AttemptStatus.IN_PROGRESS)

# engine → plan id → (highest attempt id read, versions of the plan's papers up to it)
_DRAWN: weakref.WeakKeyDictionary[Any, dict[int, tuple[int, frozenset[int]]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _versions_of_papers(session: Session, plan_id: int, after_id: int, up_to_id: int) -> set[int]:
    """The versions on the plan's papers with ids in (after_id, up_to_id], worked out by the database."""
    if session.get_bind().dialect.name == "postgresql":
        element = func.json_array_elements(Attempt.items).table_valued("value").alias("item")
        version = element.c.value.op("->>")("v")
    else:
        element = func.json_each(Attempt.items).table_valued("value").alias("item")
        version = func.json_extract(element.c.value, "$.v")
    query = (select(version).distinct().select_from(Attempt).join(element, true())
             .where(Attempt.plan_id == plan_id, Attempt.id > after_id, Attempt.id <= up_to_id))
    return {int(value) for value in session.scalars(query)}


def on_unsubmitted_papers(session: Session) -> set[int]:
    """The versions drawn for every open plan that has a paper not yet handed in (not started or in progress)."""
    unsubmitted = func.sum(case((Attempt.status.in_(UNSUBMITTED), 1), else_=0))
    plans = session.execute(select(Attempt.plan_id, func.max(Attempt.id)).join(ExamPlan, Attempt.plan_id == ExamPlan.id)
                            .where(ExamPlan.status == PlanStatus.OPEN).group_by(Attempt.plan_id).having(unsubmitted > 0)).all()
    if not plans:
        return set()
    bind = session.get_bind()
    with _LOCK:
        known = _DRAWN.setdefault(bind, {})
    result: set[int] = set()
    for plan_id, highest in plans:
        read, versions = known.get(plan_id, (0, frozenset()))
        if highest > read:
            versions = versions | _versions_of_papers(session, plan_id, read, highest)
            with _LOCK:
                known[plan_id] = (highest, versions)
        result |= versions
    return result


def withhold_live_keys(session: Session, attempt: Attempt, entries: list[ReviewEntry]) -> list[ReviewEntry]:
    """The review of a finished attempt, less the key and explanation of every question that now sits on
    a paper not yet handed in (a second sitting drawing on the same bank, say)."""
    live = on_unsubmitted_papers(session)
    if not live:
        return entries
    return [replace(entry, key="", explanation="", withheld=True) if int(attempt.items[entry.entry.position]["v"]) in live else entry
            for entry in entries]
