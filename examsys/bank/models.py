"""Questions and their versions. A version that was reviewed, activated or used by an exam is never
edited again: an edit makes a new version, and whatever pinned the old one keeps it."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ColumnElement, Date, ForeignKey, Numeric, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.errors import InvalidState
from examsys.orgs.models import Organisation

if TYPE_CHECKING:
    from examsys.auth.models import User
    from examsys.domains.models import EnforcementDomain


class BankPart(LabelledEnum):
    COMMON = "common", _l("Common part")  # 通用: administrative law every officer must know
    SECTOR = "sector", _l("Sector part")  # 专门: the law of one enforcement domain


class QuestionType(LabelledEnum):
    SINGLE_CHOICE = "single_choice", _l("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _l("Multiple choice")
    TRUE_FALSE = "true_false", _l("True / false")
    FILL_IN = "fill_in", _l("Fill in the blank")
    CASE_ANALYSIS = "case_analysis", _l("Case analysis")


class VersionStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    REVIEWED = "reviewed", _l("Reviewed")
    ACTIVE = "active", _l("Active")
    RETIRED = "retired", _l("Retired from use")

# The content of a version: what an edit changes and what the hash covers.
CONTENT_FIELDS = ("type", "stem", "options", "answer", "rubric", "reference_answer", "law", "law_version", "article",
                  "difficulty", "points", "explanation", "tags")
# The Mongolian text beside the Chinese (stem, options by the same letters, accepted fill-in answers, rubric criteria,
# reference answer, explanation): content as well, but in the content (and its hash) only when present, so that a
# version without it hashes as before.
MN_FIELD = "content_mn"
MN_KEYS = ("stem", "options", "answer", "rubric", "reference_answer", "explanation")


class Question(Base):
    """The identity of a question across its versions; `ref` is its stable name in files."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    part: Mapped[BankPart] = mapped_column(enum_column(BankPart), index=True)
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_domain.id"), index=True)
    # Questions that give each other away (same point): paper assembly draws at most one of a group.
    enemy_group: Mapped[str | None] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()
    domain: Mapped[EnforcementDomain | None] = relationship()
    versions: Mapped[list[QuestionVersion]] = relationship(back_populates="question", order_by="QuestionVersion.number",
                                                           cascade="all, delete-orphan")

    @property
    def latest(self) -> QuestionVersion:
        return self.versions[-1]

    @property
    def active_version(self) -> QuestionVersion | None:
        return next((v for v in reversed(self.versions) if v.status is VersionStatus.ACTIVE), None)


class QuestionVersion(Base):
    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus), index=True, default=VersionStatus.DRAFT)
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType), index=True)
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[dict[str, str] | None] = mapped_column(JSON)
    answer: Mapped[Any] = mapped_column(JSON)
    rubric: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    reference_answer: Mapped[str | None] = mapped_column(Text)
    law: Mapped[str] = mapped_column(String(80), index=True)
    law_version: Mapped[str] = mapped_column(String(20), default="")
    article: Mapped[str] = mapped_column(String(120), default="")
    difficulty: Mapped[int] = mapped_column(index=True)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    explanation: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_latest: Mapped[bool] = mapped_column(default=True, index=True)
    used: Mapped[bool] = mapped_column(default=False)  # pinned by a paper: never edited again
    change_note: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the Mongolian text (MN_KEYS) and its own second-person review: someone who reads Mongolian and did not write
    # the version; a plan offering the Mongolian paper draws only versions whose Mongolian text is reviewed
    content_mn: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))  # absent: SQL NULL
    mn_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    mn_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    mn_reviewed_by: Mapped[User | None] = relationship(foreign_keys=[mn_reviewed_by_id])

    def content(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in CONTENT_FIELDS}
        values["type"] = self.type.value
        values["points"] = str(Decimal(self.points).quantize(Decimal("0.01")))
        if self.content_mn:
            values[MN_FIELD] = self.content_mn
        return values

    @hybrid_property
    def mn_ready(self) -> bool:
        """Its Mongolian text may be drawn onto a Mongolian paper (or practised in Mongolian): present and reviewed."""
        return bool(self.content_mn) and self.mn_reviewed_at is not None

    @mn_ready.inplace.expression
    @classmethod
    def _mn_ready_expression(cls) -> ColumnElement[bool]:
        return and_(cls.content_mn.is_not(None), cls.mn_reviewed_at.is_not(None))

    def mark_mn_reviewed(self, reviewer_id: int) -> None:
        """Four eyes for the Mongolian text: someone other than the version's writer confirms it says what the
        Chinese says (same key, options in the same order)."""
        if not self.content_mn:
            raise InvalidState(_("This version has no Mongolian text."))
        if self.mn_reviewed_at is not None:
            raise InvalidState(_("The Mongolian text of this version is already reviewed."))
        if self.status is VersionStatus.RETIRED:
            raise InvalidState(_("The version is retired."))
        if self.written_by(reviewer_id):
            raise InvalidState(_("The author of a version cannot review its Mongolian text; another exam administrator must."))
        self.mn_reviewed_by_id, self.mn_reviewed_at = reviewer_id, clock.now()

    @property
    def editable(self) -> bool:
        """Only an unused draft is changed in place."""
        return self.status is VersionStatus.DRAFT and not self.used

    def written_by(self, user_id: int | None) -> bool:
        """Four eyes: the author of a version never reviews it (imported versions have no author)."""
        return self.author_id is not None and self.author_id == user_id

    # State changes: each raises on a move the workflow does not allow.
    def mark_reviewed(self, reviewer_id: int) -> None:
        if self.status is not VersionStatus.DRAFT:
            raise InvalidState(_("Only a draft can be reviewed."))
        if self.written_by(reviewer_id):
            raise InvalidState(_("The author of a version cannot review it; another exam administrator must."))
        self.status, self.reviewed_by_id, self.reviewed_at = VersionStatus.REVIEWED, reviewer_id, clock.now()

    def activate(self) -> None:
        if self.status is not VersionStatus.REVIEWED:
            raise InvalidState(_("Only a reviewed version can be activated."))
        if not self.article:
            raise InvalidState(_("A question needs the article it rests on before it is activated."))
        if self.type is QuestionType.CASE_ANALYSIS and not (self.rubric and self.reference_answer):
            raise InvalidState(_("A case analysis needs its rubric and reference answer before it is activated."))
        self.status, self.activated_at = VersionStatus.ACTIVE, clock.now()

    def retire(self) -> None:
        if self.status is VersionStatus.RETIRED:
            raise InvalidState(_("The version is already retired."))
        self.status, self.retired_at = VersionStatus.RETIRED, clock.now()


class Law(Base):
    """One version of a law on the controlled list. Questions name the law by `title` and the version they were
    checked against by `version` (their law and law_version); a version superseded by a newer one flags its
    questions for review."""

    __tablename__ = "law"
    __table_args__ = (UniqueConstraint("title", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80), index=True)  # as questions name it, e.g. 中华人民共和国行政处罚法
    short_name: Mapped[str] = mapped_column(String(40), default="")  # e.g. 行政处罚法
    title_mn: Mapped[str] = mapped_column(String(240), default="", server_default="")  # traditional Mongolian
    version: Mapped[str] = mapped_column(String(20), default="")  # as questions' law_version, e.g. 2021
    version_date: Mapped[date | None] = mapped_column(Date)  # when this text was adopted or last amended
    effective_date: Mapped[date | None] = mapped_column(Date)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("law.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    superseded_by: Mapped[Law | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        return f"{self.title}（{self.version}）" if self.version else self.title

    def supersede_with(self, newer: Law | None) -> None:
        """Mark this version superseded by `newer` (None: current again). A law never supersedes itself, and
        the chain of newer versions never leads back to it."""
        seen: Law | None = newer
        while seen is not None:
            if seen is self:
                raise InvalidState(_("A version of a law cannot be superseded by itself or by a version it supersedes."))
            seen = seen.superseded_by
        self.superseded_by = newer


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
