"""The exam room: a candidate's attempts, starting (or a retake), taking over in another browser, leaving
the page, handing in; and where a sitting resumes after a take-over or a new login."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from examsys.audit.services import record
from examsys.auth.models import User
from examsys.errors import InvalidState, NotFound, PermissionDenied
from examsys.exams.grading import auto_submit, grade, touch
from examsys.exams.models import PAPER_LANGUAGES, Answer, Attempt, AttemptStatus, ExamPlan, IntegrityEvent, PlanStatus
from examsys.exams.plans import draw_paper, pin_versions
from examsys.personnel.models import Person


class TimeUp(InvalidState):
    pass


class OtherDevice(InvalidState):
    pass


def my_attempts(session: Session, user: User) -> list[Attempt]:
    if user.person_id is None:
        return []
    query = (select(Attempt).where(Attempt.person_id == user.person_id).join(ExamPlan)
             .where(ExamPlan.status != PlanStatus.DRAFT).options(selectinload(Attempt.plan)).order_by(ExamPlan.opens_at.desc()))
    return list(session.scalars(query))


def own_attempt(session: Session, user: User, attempt_id: int, *, lock: bool = False, with_person: bool = False) -> Attempt:
    """The user's own attempt, as it is: past its deadline it is still in progress until an action hands it
    in (submit, a refused save, `flask exams close-expired`); pages read `is_over`. `lock`: the
    attempt's row stays locked to the end of the transaction; `with_person`: its plan, person and the
    person's organisation come in the same statement (the audit entry of a change names them)."""
    if with_person:
        query = select(Attempt).where(Attempt.id == attempt_id).options(
            joinedload(Attempt.plan, innerjoin=True), joinedload(Attempt.person, innerjoin=True).joinedload(Person.org, innerjoin=True))
        attempt = session.scalar(query.with_for_update(of=Attempt) if lock else query)
    else:
        attempt = session.get(Attempt, attempt_id, with_for_update={"of": Attempt} if lock else None,
                              options=[joinedload(Attempt.plan, innerjoin=True)])
    if attempt is None or user.person_id is None or attempt.person_id != user.person_id:
        raise NotFound(_("No such exam paper."))
    return attempt


def start(session: Session, user: User, attempt_id: int, language: str = "zh") -> str:
    """Begin the attempt (or continue it on this device) in the script the candidate chose (zh, or mn when the plan
    offers the Mongolian paper); returns the device token for this browser."""
    attempt = own_attempt(session, user, attempt_id, lock=True, with_person=True)
    if attempt.status is AttemptStatus.NOT_STARTED:
        if attempt.number > attempt.plan.attempts_allowed:  # numbered 1, 2, … as they are made: the count is the number
            raise InvalidState(_("You have used all attempts this exam allows."))
        if language not in PAPER_LANGUAGES or (language == "mn" and not attempt.plan.offers_mongolian):
            raise InvalidState(_("This exam is not offered in that language."))
        token = secrets.token_urlsafe(24)
        attempt.start(token)
        attempt.language = language
        record(session, user, "exam.start", "attempt", attempt.id, label=attempt.plan.name, org=attempt.person.org,
               after={"language": language} if language != "zh" else None)
        return token
    if attempt.is_over():
        raise InvalidState(_("This attempt is finished."))
    raise OtherDevice(_("This exam is already open in another window or on another device."))


def latest_numbers(attempts: list[Attempt]) -> dict[int, int]:
    """The number of each plan's newest attempt among these (one candidate's)."""
    newest: dict[int, int] = {}
    for attempt in attempts:
        newest[attempt.plan_id] = max(newest.get(attempt.plan_id, 0), attempt.number)
    return newest


def newest_number(session: Session, attempt: Attempt) -> int:
    """The number of the newest attempt of this attempt's candidate in its plan."""
    return session.scalar(select(func.max(Attempt.number)).where(Attempt.plan_id == attempt.plan_id,
                                                                 Attempt.person_id == attempt.person_id)) or attempt.number


def may_retake(attempt: Attempt, newest_number: int, at: datetime | None = None) -> bool:
    """Another attempt is open to the candidate after this one: it is their newest, it is finished, the plan
    allows more, and the window is open. Offered whatever the result (the best attempt counts), so that
    the offer tells nothing before the results are published."""
    return (attempt.finished and attempt.number == newest_number and attempt.number < attempt.plan.attempts_allowed
            and attempt.plan.is_running(at))


def retake(session: Session, user: User, attempt_id: int) -> tuple[Attempt, str]:
    """Begin the next attempt after a finished one: a new paper drawn now from the plan's pools with a
    seed of its own (a retake is one candidate's click, not the synchronised start), started at once.
    Returns it with the device token for this browser."""
    previous = own_attempt(session, user, attempt_id, lock=True, with_person=True)
    plan = previous.plan
    newest = newest_number(session, previous)
    if not previous.finished:
        raise InvalidState(_("Hand in this attempt first."))
    if newest != previous.number:
        raise InvalidState(_("A newer attempt of this exam already exists."))
    if previous.number >= plan.attempts_allowed:
        raise InvalidState(_("You have used all attempts this exam allows."))
    if not plan.is_running():
        raise InvalidState(_("The exam is not open now."))
    seed = secrets.token_hex(8)
    attempt = Attempt(plan=plan, person_id=previous.person_id, number=previous.number + 1, seed=seed, items=draw_paper(session, plan, seed),
                      language=previous.language if plan.offers_mongolian else "zh")  # a retake keeps the script chosen
    session.add(attempt)
    pin_versions(session, {item["v"] for item in attempt.items})
    session.flush()
    token = secrets.token_urlsafe(24)
    attempt.start(token)
    record(session, user, "exam.retake", "attempt", attempt.id, label=plan.name, org=previous.person.org,
           after={"number": attempt.number, "previous_attempt": previous.id, "attempts_allowed": plan.attempts_allowed})
    return attempt, token


def take_over(session: Session, user: User, attempt_id: int) -> str:
    """Move the attempt to this browser; the other one can no longer save. Logged."""
    attempt = own_attempt(session, user, attempt_id, lock=True)
    if attempt.status is not AttemptStatus.IN_PROGRESS or attempt.expired():
        raise InvalidState(_("This attempt is not in progress."))
    token = secrets.token_urlsafe(24)
    attempt.device_token = token
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="takeover", detail="continued in another browser"))
    session.flush()
    record(session, user, "exam.takeover", "attempt", attempt.id, label=attempt.plan.name, org=attempt.person.org)
    return token


def require_in_progress(attempt: Attempt, token: str | None) -> None:
    """The attempt takes answers from this browser now; else why not (time up, handed in, not started, elsewhere)."""
    if attempt.is_over():
        raise TimeUp(_("Time is up: your answers were submitted at the deadline.") if attempt.auto_submitted or attempt.expired()
                     else _("This attempt has been submitted."))
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        raise InvalidState(_("Start the exam first."))
    if not token or token != attempt.device_token:
        raise OtherDevice(_("This exam continues in another window or on another device."))


def record_departure(session: Session, user: User, attempt_id: int, token: str | None) -> Attempt:
    """The candidate left the exam page. Logged; a plan may submit the attempt after N departures."""
    attempt = own_attempt(session, user, attempt_id)
    require_in_progress(attempt, token)
    attempt.departures += 1
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="focus_lost", detail=f"#{attempt.departures}"))
    if attempt.plan.max_departures is not None and attempt.departures >= attempt.plan.max_departures:
        auto_submit(session, attempt, "departures")
    session.flush()
    return attempt


def submit(session: Session, user: User, attempt_id: int, token: str | None) -> Attempt:
    """Hand in. The row is locked, so two submits at once grade once. Past the deadline the paper is
    handed in as at the deadline (what was saved counts: `auto_submitted`), from whichever browser."""
    attempt = own_attempt(session, user, attempt_id, lock=True)
    if attempt.expired():
        touch(session, attempt)
        return attempt
    require_in_progress(attempt, token)
    attempt.finish(automatic=False)
    grade(session, attempt)
    record(session, user, "exam.submit", "attempt", attempt.id, label=attempt.plan.name, org=attempt.person.org,
           after={"score": attempt.score, "status": attempt.status.value})
    return attempt


def require_candidate(user: User) -> None:
    if user.person_id is None:
        raise PermissionDenied(_("Only officers with a personal account take exams."))


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
