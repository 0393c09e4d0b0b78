"""Results: a plan's attempts, publishing them, what a candidate may see of their own (the score, the
review with keys), and the passes other packages ask about (credentials)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, selectinload

from examsys import clock
from examsys.audit.services import record
from examsys.auth.models import User
from examsys.bank.models import BankPart, QuestionType
from examsys.bank.types import kind_of
from examsys.errors import InvalidState
from examsys.exams.grading import versions_of
from examsys.exams.models import Attempt, AttemptStatus, ExamKind, ExamPlan, ReviewPolicy
from examsys.exams.plans import get_plan
from examsys.exams.room_cache import QuestionEntry, paper_view
from examsys.personnel.models import Person


def results(session: Session, actor: User, plan_id: int) -> tuple[ExamPlan, list[Attempt]]:
    """A plan's attempts with their candidates. Without each paper's items: decoding them cost most of a
    3,000-candidate plan's results and proctor pages (0.7-1.1 s → 0.1-0.3 s of CPU); grading reads them."""
    plan = get_plan(session, actor, plan_id)
    attempts = list(session.scalars(select(Attempt).where(Attempt.plan_id == plan.id)
                                    .options(defer(Attempt.items), selectinload(Attempt.person).selectinload(Person.org))
                                    .order_by(Attempt.id)))
    return plan, attempts


def publish_results(session: Session, actor: User, plan_id: int) -> ExamPlan:
    plan = get_plan(session, actor, plan_id)
    if plan.results_published_at is not None:
        raise InvalidState(_("The results are already published."))
    waiting = session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.plan_id == plan.id, Attempt.status.in_((AttemptStatus.SUBMITTED, AttemptStatus.AUTO_SUBMITTED)))) or 0
    if waiting:
        raise InvalidState(_("%(n)d papers still wait for grading.", n=waiting))
    plan.results_published_at = clock.now()
    session.flush()
    record(session, actor, "exam.publish", "exam_plan", plan.id, label=plan.name, org=plan.org)
    return plan


def may_see_result(attempt: Attempt) -> bool:
    return attempt.plan.review is not ReviewPolicy.NONE and attempt.plan.results_published_at is not None and \
        attempt.status is AttemptStatus.GRADED


def may_review_answers(attempt: Attempt) -> bool:
    return may_see_result(attempt) and attempt.plan.review is ReviewPolicy.ANSWERS and clock.now() >= attempt.plan.closes_at


def passed_qualification(session: Session, person_id: int, since: datetime) -> list[Attempt]:
    """Passed qualification (or make-up) attempts of the common part since a date: what credential issuance
    requires (the sector part: credentials.qualification). Only published results count (rule 14): a pass is
    final once the exam administrator publishes the plan's results."""
    return list(session.scalars(select(Attempt).join(ExamPlan).where(
        Attempt.person_id == person_id, Attempt.passed.is_(True), Attempt.status == AttemptStatus.GRADED,
        ExamPlan.results_published_at.is_not(None), ExamPlan.part == BankPart.COMMON,
        ExamPlan.kind.in_((ExamKind.QUALIFICATION, ExamKind.MAKEUP)), Attempt.submitted_at >= since)))


def passed_renewal(session: Session, person_id: int, since: datetime) -> list[Attempt]:
    """Passed renewal-exam attempts since a date: what renewing a credential requires."""
    return list(session.scalars(select(Attempt).join(ExamPlan).where(
        Attempt.person_id == person_id, Attempt.passed.is_(True), Attempt.status == AttemptStatus.GRADED,
        ExamPlan.results_published_at.is_not(None), ExamPlan.kind == ExamKind.RENEWAL, Attempt.submitted_at >= since)))


@dataclass(frozen=True)
class ReviewEntry:
    entry: QuestionEntry
    key: str
    score: Decimal | None
    explanation: str
    article: str
    withheld: bool = False  # the key is on a paper not yet handed in (live_papers.withhold_live_keys)
    explanation_mn: bool = False  # the explanation is the Mongolian text's (the paper taken in Mongolian)


def review_view(session: Session, attempt: Attempt) -> list[ReviewEntry]:
    """After the window has closed, and only if the plan allows: answers with keys and explanations."""
    versions = versions_of(session, attempt)
    answers = {a.position: a for a in attempt.answers}
    out = []
    for entry in paper_view(session, attempt).questions:
        version = versions[attempt.items[entry.position]["v"]]
        shown = {stored: shown for shown, stored, _text in entry.options}
        content = version.content()
        if version.type is QuestionType.SINGLE_CHOICE:
            key = shown.get(content["answer"], "")
        elif version.type is QuestionType.MULTIPLE_CHOICE:
            key = "".join(sorted(shown.get(letter, "") for letter in content["answer"]))
        else:
            key = kind_of(version.type).key_text(content)
        answer = answers.get(entry.position)
        explanation = (version.content_mn or {}).get("explanation") if entry.mongolian else None  # the paper's script
        out.append(ReviewEntry(entry, key, answer.score if answer else None, explanation or version.explanation, f"{version.law} {version.article}",
                               explanation_mn=bool(explanation)))
    return out
