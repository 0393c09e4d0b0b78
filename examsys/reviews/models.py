"""Routine performance reviews (平时考核): indicator schemes, review periods, one review per officer per
period with scores per indicator, the annual assessment, and the follow-up actions they cause."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person


class RoutineGrade(LabelledEnum):
    GOOD = "good", _l("Good")  # 好
    FAIRLY_GOOD = "fairly_good", _l("Fairly good")  # 较好
    AVERAGE = "average", _l("Average")  # 一般
    POOR = "poor", _l("Poor")  # 较差


class AnnualGrade(LabelledEnum):
    EXCELLENT = "excellent", _l("Excellent")  # 优秀
    COMPETENT = "competent", _l("Competent")  # 称职
    BASIC = "basic", _l("Basically competent")  # 基本称职
    INCOMPETENT = "incompetent", _l("Incompetent")  # 不称职


class ReviewScheme(Base):
    """One version of an organisation's indicator scheme. Its nodes below use it unless they have their
    own. A version that a review has used is never edited: saving makes the next version."""

    __tablename__ = "review_scheme"
    __table_args__ = (UniqueConstraint("org_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(120))
    # grade bands: a total at or above a bound earns that grade; below average_from is 较差
    good_from: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal(90))
    fairly_good_from: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal(75))
    average_from: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal(60))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(back_populates="scheme", cascade="all, delete-orphan",
                                                      order_by="Indicator.position")

    def grade_for(self, total: Decimal) -> RoutineGrade:
        if total >= self.good_from:
            return RoutineGrade.GOOD
        if total >= self.fairly_good_from:
            return RoutineGrade.FAIRLY_GOOD
        if total >= self.average_from:
            return RoutineGrade.AVERAGE
        return RoutineGrade.POOR

    @property
    def leaves(self) -> list[Indicator]:
        """The indicators that are scored: those without sub-indicators."""
        parents = {i.parent_code for i in self.indicators if i.parent_code}
        return [i for i in self.indicators if i.code not in parents]


class Indicator(Base):
    """An indicator ("1", weight 30) or a sub-indicator ("1.2", up to 10 points of its parent's 30)."""

    __tablename__ = "review_indicator"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("review_scheme.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    points: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    guidance: Mapped[str] = mapped_column(Text, default="")

    scheme: Mapped[ReviewScheme] = relationship(back_populates="indicators")

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


class PeriodKind(LabelledEnum):
    MONTH = "month", _l("Monthly")
    QUARTER = "quarter", _l("Quarterly")
    HALF = "half", _l("Half-yearly")

    @property
    def count(self) -> int:
        return {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.HALF: 2}[self]


class ReviewPeriod(Base):
    """A review period opened by HR for a subtree: every regular officer in post there is due a review."""

    __tablename__ = "review_period"
    __table_args__ = (UniqueConstraint("org_id", "kind", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind))
    year: Mapped[int]
    number: Mapped[int]  # month 1-12, quarter 1-4 or half 1-2
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    due_on: Mapped[date]
    closed: Mapped[bool] = mapped_column(default=False)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()


class ReviewStatus(LabelledEnum):
    DUE = "due", _l("Not started")  # nothing entered yet
    DRAFT = "draft", _l("In progress")  # scores being entered, or sent back for re-review
    SUBMITTED = "submitted", _l("Awaiting the officer")  # waiting for the officer
    ACKNOWLEDGED = "acknowledged", _l("Acknowledged")
    DISPUTED = "disputed", _l("Disputed")  # with HR
    UPHELD = "upheld", _l("Upheld after dispute")  # HR kept the review after a dispute

    @property
    def done(self) -> bool:
        return self not in (ReviewStatus.DUE, ReviewStatus.DRAFT)


class Review(Base):
    """One officer's review for one period, against the scheme pinned when the period opened."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("period_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("review_period.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(255), index=True)  # the officer's organisation when the period opened
    scheme_id: Mapped[int] = mapped_column(ForeignKey("review_scheme.id"))
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus), default=ReviewStatus.DUE, index=True)
    total: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    grade: Mapped[RoutineGrade | None] = mapped_column(enum_column(RoutineGrade))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str] = mapped_column(Text, default="")  # the officer's comment on acknowledging or disputing
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hr_note: Mapped[str] = mapped_column(Text, default="")  # why HR sent it back or upheld it

    period: Mapped[ReviewPeriod] = relationship()
    person: Mapped[Person] = relationship()
    scheme: Mapped[ReviewScheme] = relationship()
    scores: Mapped[list[ReviewScore]] = relationship(back_populates="review", cascade="all, delete-orphan")

    def overdue(self, today: date | None = None) -> bool:
        return not self.status.done and (today or clock.today()) > self.period.due_on


class ReviewScore(Base):
    __tablename__ = "review_score"

    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("review_indicator.id"), primary_key=True)
    score: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    evidence: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")


class AnnualAssessment(Base):
    """The year's grade (年度考核), proposed from the routine reviews and set by the reviewer."""

    __tablename__ = "annual_assessment"
    __table_args__ = (UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    year: Mapped[int]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    proposed: Mapped[AnnualGrade | None] = mapped_column(enum_column(AnnualGrade))
    grade: Mapped[AnnualGrade] = mapped_column(enum_column(AnnualGrade))
    comment: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person: Mapped[Person] = relationship()
    org: Mapped[Organisation] = relationship()


class ActionKind(LabelledEnum):
    TRAINING = "training", _l("Training")
    ROTATION = "rotation", _l("Rotation of post")  # 交流轮岗
    RANK_CHANGE = "rank_change", _l("Rank change")
    REWARD = "reward", _l("Reward")
    SANCTION = "sanction", _l("Sanction")
    DISQUALIFICATION = "disqualification", _l("Disqualification case")  # a case for the issuing authority


class ActionStatus(LabelledEnum):
    OPEN = "open", _l("In hand")
    DONE = "done", _l("Done")
    CANCELLED = "cancelled", _l("Withdrawn")


class FollowUpAction(Base):
    """Something a review caused, owned by an organisation (and a named account, if given), tracked to done."""

    __tablename__ = "followup_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[ActionKind] = mapped_column(enum_column(ActionKind))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("review.id"), index=True)
    annual_id: Mapped[int | None] = mapped_column(ForeignKey("annual_assessment.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), default=ActionStatus.OPEN, index=True)
    automatic: Mapped[bool] = mapped_column(default=False)  # created by a rule, not by a person
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    owner_org: Mapped[Organisation] = relationship()
    review: Mapped[Review | None] = relationship()
    annual: Mapped[AnnualAssessment | None] = relationship()

    def late(self, today: date | None = None) -> bool:
        return self.status is ActionStatus.OPEN and (today or clock.today()) > self.due_on
