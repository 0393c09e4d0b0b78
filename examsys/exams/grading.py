"""Grading: handing in at the deadline, scoring a paper, case answers marked by people (single or double
marking), and regrading a plan's papers after a key fix."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import User
from examsys.auth.permissions import can
from examsys.bank.models import QuestionType, QuestionVersion
from examsys.bank.types import kind_of
from examsys.errors import InvalidState, NotFound, ValidationFailed
from examsys.exams.models import Answer, Attempt, AttemptStatus, CaseMark, ExamPlan, IntegrityEvent
from examsys.exams.plans import ADMIN, get_plan


def touch(session: Session, attempt: Attempt) -> None:
    if attempt.expired():
        auto_submit(session, attempt, "deadline")


def auto_submit(session: Session, attempt: Attempt, why: str) -> None:
    """The system hands the paper in (its deadline passed, or the candidate left too often): on the record."""
    attempt.finish(automatic=True)
    session.add(IntegrityEvent(attempt_id=attempt.id, kind="auto_submitted", detail=why))
    grade(session, attempt)
    record(session, None, "exam.auto_submit", "attempt", attempt.id, label=f"{attempt.person.name} · {attempt.plan.name}",
           org=attempt.person.org, after={"reason": why, "score": attempt.score, "status": attempt.status.value})


def versions_of(session: Session, attempt: Attempt) -> dict[int, QuestionVersion]:
    ids = [item["v"] for item in attempt.items]
    return {v.id: v for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}


def grade(session: Session, attempt: Attempt) -> None:
    """Score every objective answer against the version pinned on the paper. With case questions the
    attempt waits for the graders; otherwise it is graded now."""
    versions = versions_of(session, attempt)
    answers = {a.position: a for a in attempt.answers}
    total, waiting = Decimal(0), False
    for position, item in enumerate(attempt.items):
        version = versions[item["v"]]
        answer = answers.get(position)
        if answer is None:
            answer = Answer(attempt=attempt, position=position, response=None, seq=0)
            session.add(answer)
            answers[position] = answer
        points = Decimal(item["p"])
        if version.type is QuestionType.CASE_ANALYSIS:
            if answer.score is None:
                waiting = waiting or bool(answer.response)
                answer.score = None if answer.response else Decimal(0)
            total += answer.score or 0
            continue
        answer.score = kind_of(version.type).score(version.content(), answer.response, points, partial=attempt.plan.partial_credit)
        total += answer.score or 0
    attempt.score = total
    if waiting:
        attempt.passed = None
        session.flush()
        return
    attempt.passed = total >= attempt.plan.pass_mark
    attempt.status, attempt.graded_at = AttemptStatus.GRADED, clock.now()
    session.flush()


def close_expired(session: Session, limit: int = 1000) -> int:
    """Submit and grade every attempt whose deadline has passed (for cron; safe to run any time, on
    any number of nodes: rows another run holds are skipped)."""
    query = (select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline <= clock.now())
             .limit(limit).with_for_update(skip_locked=True))
    count = 0
    for attempt in session.scalars(query):
        touch(session, attempt)
        count += 1
    session.flush()
    return count


# ---- case questions: graded by people --------------------------------------------------------------


@dataclass(frozen=True)
class CaseToGrade:
    """An answer to grade, shown without the candidate's name (nor, with double marking, the other mark)."""

    answer: Answer
    version: QuestionVersion
    points: Decimal
    label: str  # a neutral label instead of the name
    stage: str  # "first", "second" or "reconcile"


def _marks(session: Session, answer_ids: list[int]) -> dict[int, list[CaseMark]]:
    marks: dict[int, list[CaseMark]] = {}
    if answer_ids:
        for mark in session.scalars(select(CaseMark).where(CaseMark.answer_id.in_(answer_ids)).order_by(CaseMark.id)):
            marks.setdefault(mark.answer_id, []).append(mark)
    return marks


def _stage(plan: ExamPlan, marks: list[CaseMark]) -> str | None:
    """What an answer still needs: a first mark, a second, a reconciliation, or nothing."""
    if any(m.reconciles for m in marks):
        return None
    if not marks:
        return "first"
    if not plan.double_marking:
        return None
    if len(marks) == 1:
        return "second"
    return "reconcile" if abs(marks[0].score - marks[1].score) > plan.marking_tolerance else None


def grading_queue(session: Session, actor: User, plan_id: int) -> list[CaseToGrade]:
    """Case answers still to mark, leaving out those this grader already marked (a second mark must
    come from someone else)."""
    plan = get_plan(session, actor, plan_id)
    attempts = list(session.scalars(select(Attempt).where(Attempt.plan_id == plan.id, Attempt.status.in_(
        (AttemptStatus.SUBMITTED, AttemptStatus.AUTO_SUBMITTED))).options(selectinload(Attempt.answers))))
    marks = _marks(session, [a.id for attempt in attempts for a in attempt.answers])
    queue = []
    for attempt in attempts:
        versions = versions_of(session, attempt)
        for answer in attempt.answers:
            item = attempt.items[answer.position]
            version = versions[item["v"]]
            if version.type is not QuestionType.CASE_ANALYSIS or answer.score is not None:
                continue
            own = marks.get(answer.id, [])
            stage = _stage(plan, own)
            if stage is None or any(m.grader_id == actor.id for m in own):
                continue
            queue.append(CaseToGrade(answer, version, Decimal(item["p"]), f"#{answer.id:06d}", stage))
    return queue


def grade_case(session: Session, actor: User, answer_id: int, score: Decimal, comment: str) -> Attempt:
    """Record a grader's mark for one case answer. Single marking: the mark is the score. Double
    marking: two graders' marks within the tolerance give their mean; further apart, a third grader's
    reconciling mark decides. The attempt is graded when no answer is left."""
    answer = session.get(Answer, answer_id)
    if answer is None or not can(actor, ADMIN, answer.attempt.plan.org):
        raise NotFound(_("No such answer."))
    attempt = answer.attempt
    plan = attempt.plan
    points = Decimal(attempt.items[answer.position]["p"])
    if not Decimal(0) <= score <= points:
        raise ValidationFailed(_("The score lies between 0 and %(p)s.", p=points), {"score": [_("The score lies between 0 and %(p)s.", p=points)]})
    if attempt.status is AttemptStatus.GRADED or answer.score is not None:
        raise InvalidState(_("This paper is already graded."))
    existing = _marks(session, [answer.id]).get(answer.id, [])
    if any(m.grader_id == actor.id for m in existing):
        raise InvalidState(_("You have already marked this answer; another grader must."))
    stage = _stage(plan, existing)
    if stage is None:
        raise InvalidState(_("This answer needs no further mark."))
    mark = CaseMark(answer_id=answer.id, grader_id=actor.id, score=score, comment=comment.strip()[:2000], reconciles=stage == "reconcile")
    session.add(mark)
    session.flush()
    marks = existing + [mark]
    if stage == "reconcile" or not plan.double_marking:
        answer.score = score
    elif stage == "second" and _stage(plan, marks) is None:
        answer.score = ((marks[0].score + marks[1].score) / 2).quantize(Decimal("0.01"))
    answer.grader_comment = "\n".join(m.comment for m in marks if m.comment)
    session.flush()
    record(session, actor, "exam.grade_case", "answer", answer.id, label=plan.name, org=plan.org,
           after={"mark": score, "stage": stage, "score": answer.score})
    if answer.score is not None:
        grade(session, attempt)
    return attempt


# ---- regrading after a key fix ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegradeChange:
    attempt: Attempt
    old_score: Decimal | None
    new_score: Decimal
    old_passed: bool | None
    new_passed: bool


def _regraded(session: Session, attempt: Attempt, old_id: int, new_version: QuestionVersion) -> tuple[Decimal, bool]:
    total = Decimal(0)
    versions = versions_of(session, attempt)
    answers = {a.position: a for a in attempt.answers}
    for position, item in enumerate(attempt.items):
        version = new_version if item["v"] == old_id else versions[item["v"]]
        answer = answers.get(position)
        if version.type is QuestionType.CASE_ANALYSIS:
            total += (answer.score if answer and answer.score is not None else Decimal(0))
            continue
        total += kind_of(version.type).score(version.content(), answer.response if answer else None, Decimal(item["p"]),
                                             partial=attempt.plan.partial_credit) or 0
    return total, total >= attempt.plan.pass_mark


def regrade_candidates(session: Session, actor: User, plan_id: int) -> list[tuple[QuestionVersion, QuestionVersion]]:
    """Pinned versions of this plan whose question has a newer active version: what a key fix can regrade."""
    plan = get_plan(session, actor, plan_id)
    used: set[int] = set()
    for items in session.scalars(select(Attempt.items).where(Attempt.plan_id == plan.id)):
        used.update(item["v"] for item in items)
    pairs = []
    for version in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(used))):
        active = version.question.active_version
        if active is not None and active.number > version.number:
            pairs.append((version, active))
    return pairs


def regrade(session: Session, actor: User, plan_id: int, old_version_id: int, *, apply: bool, reason: str = "") -> list[RegradeChange]:
    """Score every finished paper of the plan again with the question's newer active version in place of
    `old_version_id`. The dry run (apply=False) lists the candidates whose score or pass/fail would
    change and writes nothing; apply writes exactly that, pins the new version, and is audited."""
    plan = get_plan(session, actor, plan_id)
    old = session.get(QuestionVersion, old_version_id)
    if old is None:
        raise NotFound(_("No such question."))
    new = old.question.active_version
    if new is None or new.id == old.id:
        raise InvalidState(_("The question has no newer active version to regrade with."))
    if new.type is not old.type or sorted(new.options or {}) != sorted(old.options or {}):
        raise InvalidState(_("The new version changes the type or the options; it cannot replace the old one on papers already taken."))
    if apply and not reason.strip():
        raise ValidationFailed(_("Give the reason for the regrade."), {"reason": [_("Give the reason for the regrade.")]})
    changes = []
    query = select(Attempt).where(Attempt.plan_id == plan.id, Attempt.status == AttemptStatus.GRADED).options(selectinload(Attempt.answers))
    if apply:
        query = query.with_for_update()
    for attempt in session.scalars(query):
        if not any(item["v"] == old.id for item in attempt.items):
            continue
        new_score, new_passed = _regraded(session, attempt, old.id, new)
        if new_score != attempt.score or new_passed != attempt.passed:
            changes.append(RegradeChange(attempt, attempt.score, new_score, attempt.passed, new_passed))
        if apply:
            attempt.items = [dict(item, v=new.id) if item["v"] == old.id else item for item in attempt.items]
            new.used = True
            grade(session, attempt)
            assert attempt.score == new_score
    if apply:
        session.flush()
        record(session, actor, "exam.regrade", "exam_plan", plan.id, label=plan.name, org=plan.org,
               after={"question": old.question.ref, "from_version": old.number, "to_version": new.number, "reason": reason.strip(),
                      "changed": [(c.attempt.id, str(c.old_score), str(c.new_score)) for c in changes]})
    return changes
