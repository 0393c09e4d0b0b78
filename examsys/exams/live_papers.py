"""The question versions on exam papers not yet handed in. While a version is on one — anyone's, of any
open plan — no page shows a candidate its key or its explanation: not practice, not the review of an
earlier exam whose paper held the same question."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.exams.models import Attempt, AttemptStatus, ExamPlan, PlanStatus
from examsys.exams.services import ReviewEntry

UNSUBMITTED = (AttemptStatus.NOT_STARTED, AttemptStatus.IN_PROGRESS)


def on_unsubmitted_papers(session: Session) -> set[int]:
    """The versions on every paper of an open plan that is not handed in yet (not started or in progress)."""
    rows = session.scalars(select(Attempt.items).join(ExamPlan, Attempt.plan_id == ExamPlan.id).where(
        ExamPlan.status == PlanStatus.OPEN, Attempt.status.in_(UNSUBMITTED)))
    return {int(item["v"]) for items in rows for item in items or ()}


def withhold_live_keys(session: Session, attempt: Attempt, entries: list[ReviewEntry]) -> list[ReviewEntry]:
    """The review of a finished attempt, less the key and explanation of every question that now sits on
    a paper not yet handed in (a make-up exam drawing on the same bank, say)."""
    live = on_unsubmitted_papers(session)
    if not live:
        return entries
    return [replace(entry, key="", explanation="", withheld=True) if int(attempt.items[entry.entry.position]["v"]) in live else entry
            for entry in entries]
