"""Exam plans, their blueprints, and attempts: a pre-generated paper per candidate, with its answers."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.bank.models import BankPart, QuestionType
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.domains.models import EnforcementDomain
from examsys.errors import InvalidState
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person


class ExamKind(LabelledEnum):
    QUALIFICATION = "qualification", _l("Qualification exam")
    MAKEUP = "makeup", _l("Make-up exam")
    RENEWAL = "renewal", _l("Renewal exam")
    PRACTICE = "practice", _l("Practice exam")


class PaperMode(enum.Enum):
    INDIVIDUAL = "individual"  # a random paper per candidate
    SHARED = "shared"  # one random paper for all


class ReviewPolicy(enum.Enum):
    NONE = "none"  # candidates see nothing but that they submitted
    SCORE = "score"  # score and pass/fail once published
    ANSWERS = "answers"  # also their answers, the keys and the explanations, once the window has closed


class PlanStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    OPEN = "open", _l("Open")
    CLOSED = "closed", _l("Closed")


class ExamPlan(Base):
    __tablename__ = "exam_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ExamKind] = mapped_column(enum_column(ExamKind))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # candidates come from this subtree
    part: Mapped[BankPart] = mapped_column(enum_column(BankPart))
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_domain.id"))
    duration_minutes: Mapped[int] = mapped_column(default=120)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(60))
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    partial_credit: Mapped[bool] = mapped_column(default=False)  # multiple choice: share of points for a subset of the key
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    paper_mode: Mapped[PaperMode] = mapped_column(enum_column(PaperMode), default=PaperMode.INDIVIDUAL)
    review: Mapped[ReviewPolicy] = mapped_column(enum_column(ReviewPolicy), default=ReviewPolicy.SCORE)
    max_departures: Mapped[int | None] = mapped_column()  # leaving the page this often submits the attempt
    include_auxiliary: Mapped[bool] = mapped_column(default=False)  # practice only
    makeup_of_id: Mapped[int | None] = mapped_column(ForeignKey("exam_plan.id"))  # a make-up exam: for who failed this plan
    double_marking: Mapped[bool] = mapped_column(default=False)  # case answers: two graders, reconciled beyond the tolerance
    marking_tolerance: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(2))
    # paper assembly draws each section from its less-exposed questions (drawn onto fewer papers so far)
    prefer_less_exposed: Mapped[bool] = mapped_column(default=False)
    # the candidate may take the paper in Mongolian (蒙古文试卷): only versions whose Mongolian text is reviewed are drawn
    offers_mongolian: Mapped[bool] = mapped_column(default=False)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT, index=True)
    # per section, the version ids drawable when the plan opened: thousands of ids, read only to draw or redraw a
    # paper, so not with every load of the plan
    pools: Mapped[list[list[int]] | None] = mapped_column(JSON, deferred=True)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()
    domain: Mapped[EnforcementDomain | None] = relationship()
    makeup_of: Mapped[ExamPlan | None] = relationship(remote_side="ExamPlan.id")
    sections: Mapped[list[BlueprintSection]] = relationship(back_populates="plan", order_by="BlueprintSection.position",
                                                            cascade="all, delete-orphan")

    @property
    def total_points(self) -> Decimal:
        return sum((s.points_each * s.count for s in self.sections), Decimal(0))

    def is_running(self, at: datetime | None = None) -> bool:
        at = at or clock.now()
        return self.status is PlanStatus.OPEN and self.opens_at <= at < self.closes_at

    def open(self) -> None:
        if self.status is not PlanStatus.DRAFT:
            raise InvalidState(_("Only a draft plan can be opened."))
        self.status = PlanStatus.OPEN

    def close(self) -> None:
        if self.status is not PlanStatus.OPEN:
            raise InvalidState(_("Only an open plan can be closed."))
        self.status = PlanStatus.CLOSED


class BlueprintSection(Base):
    """A quota: `count` questions of `type` (and, when set, of one law and one difficulty), each worth `points_each`."""

    __tablename__ = "blueprint_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("exam_plan.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(80), default="")
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType))
    law: Mapped[str | None] = mapped_column(String(80))
    difficulty: Mapped[int | None]
    count: Mapped[int]
    points_each: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    plan: Mapped[ExamPlan] = relationship(back_populates="sections")


PAPER_LANGUAGES = ("zh", "mn")


class AttemptStatus(LabelledEnum):
    NOT_STARTED = "not_started", _l("Not started")
    IN_PROGRESS = "in_progress", _l("In progress")
    SUBMITTED = "submitted", _l("Submitted")  # by the candidate
    AUTO_SUBMITTED = "auto_submitted", _l("Submitted at the deadline")  # by the deadline, or too many departures
    GRADED = "graded", _l("Graded")


class Attempt(Base):
    """One candidate's paper for one plan: generated before the exam, so that starting is a read.

    `items` pins everything the paper is: [{"v": version id, "o": option order or null, "p": points, "s": section}]."""

    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("plan_id", "person_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("exam_plan.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    seed: Mapped[str] = mapped_column(String(32))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[AttemptStatus] = mapped_column(enum_column(AttemptStatus), default=AttemptStatus.NOT_STARTED, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra_minutes: Mapped[int] = mapped_column(default=0)
    device_token: Mapped[str | None] = mapped_column(String(64))
    departures: Mapped[int] = mapped_column(default=0)
    auto_submitted: Mapped[bool] = mapped_column(default=False)  # by the deadline or by leaving the page too often
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    passed: Mapped[bool | None] = mapped_column()
    # the script the candidate chose at the start: zh (Chinese) or mn (traditional Mongolian); answers are the same
    language: Mapped[str] = mapped_column(String(8), default="zh")

    plan: Mapped[ExamPlan] = relationship()
    person: Mapped[Person] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="attempt", cascade="all, delete-orphan", order_by="Answer.position")

    @property
    def finished(self) -> bool:
        return self.status in (AttemptStatus.SUBMITTED, AttemptStatus.AUTO_SUBMITTED, AttemptStatus.GRADED)

    def expired(self, at: datetime | None = None) -> bool:
        """In progress, but past its deadline: handed in when next acted on (a save, the hand-in) or by
        `flask exams close-expired`, never by a page that only shows it."""
        return self.status is AttemptStatus.IN_PROGRESS and self.deadline is not None and (at or clock.now()) >= self.deadline

    def is_over(self, at: datetime | None = None) -> bool:
        """No more answers: handed in, or past its deadline (what a page shows; a read, never a write)."""
        return self.finished or self.expired(at)

    def status_label(self, at: datetime | None = None) -> str:
        """The status as pages show it: past its deadline and not yet handed in, "time is up"."""
        return _("Time is up") if self.expired(at) else self.status.label

    def start(self, token: str) -> None:
        if self.status is not AttemptStatus.NOT_STARTED:
            raise InvalidState(_("This attempt has already been started."))
        now = clock.now()
        if not self.plan.is_running(now):
            raise InvalidState(_("The exam is not open now."))
        self.status, self.started_at, self.device_token = AttemptStatus.IN_PROGRESS, now, token
        self.deadline = min(now + timedelta(minutes=self.plan.duration_minutes + self.extra_minutes), self.plan.closes_at)

    def finish(self, automatic: bool) -> None:
        if self.status is not AttemptStatus.IN_PROGRESS:
            raise InvalidState(_("This attempt is not in progress."))
        self.status = AttemptStatus.AUTO_SUBMITTED if automatic else AttemptStatus.SUBMITTED
        self.auto_submitted = automatic
        self.submitted_at = min(clock.now(), self.deadline) if automatic and self.deadline else clock.now()


class Answer(Base):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    position: Mapped[int]
    response: Mapped[Any] = mapped_column(JSON)
    # The client's save counter (milliseconds of its clock): an older save never overwrites a newer one.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    flagged: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    grader_comment: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="answers")


class CaseMark(Base):
    """One grader's score for one case answer. With double marking two graders mark independently; if
    they differ by more than the plan's tolerance, a third mark (the reconciliation) decides."""

    __tablename__ = "case_mark"
    __table_args__ = (UniqueConstraint("answer_id", "grader_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id"), index=True)
    grader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    comment: Mapped[str] = mapped_column(Text, default="")
    reconciles: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class IntegrityEvent(Base):
    __tablename__ = "integrity_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # focus_lost, takeover, auto_submitted, extension
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    detail: Mapped[str] = mapped_column(String(200), default="")


class PracticeAnswer(Base):
    """One answer given in practice mode; the wrong-answer book (错题本) is read from these."""

    __tablename__ = "practice_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    response: Mapped[Any] = mapped_column(JSON)
    correct: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    language: Mapped[str] = mapped_column(String(8), default="zh")  # the script it was answered in (PAPER_LANGUAGES)


# the outcome summary and the flush hook that keeps it in step with the attempts (registered with the models)
from examsys.exams import outcomes as _outcomes  # noqa: E402,F401
