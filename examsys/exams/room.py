"""The exam room's memory of where a candidate was: where a sitting resumes after a take-over or a new login."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.exams.models import Answer, Attempt


def _answered(response: object) -> bool:
    return response not in (None, "", [])


def resume_position(session: Session, attempt: Attempt) -> int:
    """The question (0-based) the candidate was at, read from their saves, with no write on any page view:
    the question of the newest save (an answer, a flag, or the form that moved on from it); when that
    question is answered and the next one is not, the next one, where "next" took them. Question 1 when
    nothing is saved yet."""
    rows = session.execute(select(Answer.position, Answer.response).where(Answer.attempt_id == attempt.id)
                           .order_by(Answer.saved_at.desc(), Answer.seq.desc())).all()
    if not rows:
        return 0
    position, response = rows[0]
    answered = {p for p, r in rows if _answered(r)}
    if _answered(response) and position + 1 < len(attempt.items) and position + 1 not in answered:
        return position + 1
    return max(0, min(position, len(attempt.items) - 1))
