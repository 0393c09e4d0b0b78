"""The proctor's side of a sitting: signs of life, integrity events, extra time."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsys.audit.services import record
from examsys.auth.models import User
from examsys.auth.permissions import can
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.exams.models import Answer, Attempt, IntegrityEvent
from examsys.exams.plans import ADMIN


def last_saves(session: Session, attempt_ids: list[int]) -> dict[int, datetime]:
    """When each attempt last saved an answer (the proctor's sign of life), without a write per save."""
    if not attempt_ids:
        return {}
    rows = session.execute(select(Answer.attempt_id, func.max(Answer.saved_at)).where(Answer.attempt_id.in_(attempt_ids))
                           .group_by(Answer.attempt_id))
    return {attempt_id: when for attempt_id, when in rows}


def integrity_events(session: Session, attempt_ids: list[int]) -> dict[int, list[IntegrityEvent]]:
    events: dict[int, list[IntegrityEvent]] = {}
    if attempt_ids:
        for event in session.scalars(select(IntegrityEvent).where(IntegrityEvent.attempt_id.in_(attempt_ids)).order_by(IntegrityEvent.at)):
            events.setdefault(event.attempt_id, []).append(event)
    return events


def grant_extension(session: Session, actor: User, attempt_id: int, minutes: int, reason: str) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or not can(actor, ADMIN, attempt.plan.org):
        raise NotFound(_("No such exam paper."))
    if not 1 <= minutes <= 120 or not reason.strip():
        raise ValidationFailed(_("Give 1 to 120 minutes and the reason."))
    if attempt.finished:
        raise InvalidState(_("This attempt is finished."))
    attempt.extra_minutes += minutes
    if attempt.deadline is not None:
        attempt.deadline = min(attempt.deadline + timedelta(minutes=minutes), attempt.plan.closes_at + timedelta(minutes=minutes))
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="extension", detail=f"+{minutes} min: {reason.strip()}"[:200]))
    session.flush()
    record(session, actor, "exam.extension", "attempt", attempt.id, label=attempt.person.name, org=attempt.person.org,
           after={"minutes": minutes, "reason": reason.strip()})
    return attempt
