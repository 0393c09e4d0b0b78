"""People on the register: regular officers and auxiliary staff."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.domains.models import EnforcementDomain, domains_of
from examsys.orgs.models import Organisation
from examsys.personnel import pinyin


class PersonnelKind(LabelledEnum):
    OFFICER = "officer", _l("Enforcement officer")
    AUXILIARY = "auxiliary", _l("Auxiliary staff")


class EmploymentStatus(LabelledEnum):
    EMPLOYED = "employed", _l("In post")  # 在岗
    TRANSFERRED = "transferred", _l("Transferred out")  # 调离
    RETIRED = "retired", _l("Retired")  # 退休
    RESIGNED = "resigned", _l("Resigned")  # 辞职
    DISMISSED = "dismissed", _l("Dismissed")  # 辞退·开除
    DECEASED = "deceased", _l("Deceased")  # 死亡


class StaffingKind(LabelledEnum):
    CIVIL_SERVANT = "civil_servant", _l("Civil servant")  # 公务员
    CIVIL_SERVANT_LIKE = "civil_servant_like", _l("Managed as civil servant")  # 参公
    PUBLIC_INSTITUTION = "public_institution", _l("Public institution staff")  # 事业编
    CONTRACT = "contract", _l("Contract staff")  # 合同
    DISPATCHED = "dispatched", _l("Agency staff")  # 劳务派遣


person_domain = domains_of("person", "person_id")


class Person(Base):
    """One person on the register. The ID number is unique; everything else may change, and every
    change is in the audit trail, shown on the person's page."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    name_mn: Mapped[str] = mapped_column(String(240), default="", server_default=text("''"))  # traditional Mongolian
    # What lists sort by: the name in pinyin order (personnel.pinyin.sort_key), kept with the name, so
    # that a list of the whole region sorts on a stored column instead of converting every name; and
    # the name's pinyin and initials ("zhangsan zs"), what the public register's search matches.
    name_key: Mapped[bytes] = mapped_column(LargeBinary(1024), default=b"", server_default=text("''"))
    name_pinyin: Mapped[str] = mapped_column(String(480), default="", server_default=text("''"))
    sex: Mapped[str] = mapped_column(String(1))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[PersonnelKind] = mapped_column(enum_column(PersonnelKind), index=True)
    staffing_kind: Mapped[StaffingKind] = mapped_column(enum_column(StaffingKind))
    employment_status: Mapped[EmploymentStatus] = mapped_column(enum_column(EmploymentStatus), default=EmploymentStatus.EMPLOYED,
                                                                index=True)
    post: Mapped[str] = mapped_column(String(80), default="")
    rank: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    legal_qualification: Mapped[str] = mapped_column(String(40), default="")  # 法律职业资格 certificate number, if any
    training_hours: Mapped[int] = mapped_column(default=0)  # this year's enforcement training, in hours
    # auxiliary staff only
    duties: Mapped[str] = mapped_column(Text, default="")
    hiring_conditions: Mapped[str] = mapped_column(Text, default="")
    directed_by: Mapped[str] = mapped_column(String(120), default="")  # the officer or unit that directs them
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    org: Mapped[Organisation] = relationship()
    domains: Mapped[list[EnforcementDomain]] = relationship(secondary=person_domain, order_by="EnforcementDomain.code")
    photo: Mapped[PersonPhoto | None] = relationship(back_populates="person", cascade="all, delete-orphan", uselist=False)

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        self.name_key, self.name_pinyin = pinyin.keys(name)
        return name

    @property
    def is_officer(self) -> bool:
        return self.kind is PersonnelKind.OFFICER


class PersonPhoto(Base):
    """The ID photo, re-encoded as JPEG at the ID-photo ratio (13:16); never the uploaded bytes."""

    __tablename__ = "person_photo"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when the picture itself is wanted
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person: Mapped[Person] = relationship(back_populates="photo")


class TaskKind(enum.Enum):
    CANCEL_CREDENTIAL = "cancel_credential"  # before decision tasks: still closed by the same decisions
    CREDENTIAL_DECISION = "credential_decision"  # the holder's standing ended: cancel, re-issue or reinstate (personnel.standing)


class TaskStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"


class PersonnelTask(Base):
    """Something another domain must act on because of a personnel change, e.g. a credential to
    cancel after a retirement. The credential domain reads these; personnel never imports it."""

    __tablename__ = "personnel_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind), index=True)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    org: Mapped[Organisation] = relationship()


class CorrectionRequest(Base):
    """An officer's report that their record is wrong, for HR to answer."""

    __tablename__ = "correction_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN, index=True)
    response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    person: Mapped[Person] = relationship()


class CampaignStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class ItemState(LabelledEnum):
    PENDING = "pending", _l("Pending")
    CONFIRMED = "confirmed", _l("Confirmed")
    REMOVAL = "removal", _l("Marked for removal")


class CleanupCampaign(Base):
    """The one-time strict clean-up (严格清理) of a subtree's officers before credentials are replaced."""

    __tablename__ = "cleanup_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    cutoff: Mapped[date] = mapped_column(Date)
    status: Mapped[CampaignStatus] = mapped_column(enum_column(CampaignStatus), default=CampaignStatus.OPEN)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()
    items: Mapped[list[CampaignItem]] = relationship(back_populates="campaign", cascade="all, delete-orphan")


class CampaignItem(Base):
    __tablename__ = "campaign_item"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("cleanup_campaign.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(255), index=True)  # where the person stood when the campaign opened
    state: Mapped[ItemState] = mapped_column(enum_column(ItemState), default=ItemState.PENDING, index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[CleanupCampaign] = relationship(back_populates="items")
    person: Mapped[Person] = relationship()


class TrainingRecord(Base):
    """One enforcement training course (培训) a person attended: what, who ran it, when, how many hours
    (学时). A renewal needs TRAINING_HOURS_PER_YEAR hours in each year (examsys/personnel/training.py)."""

    __tablename__ = "training_record"
    # The same course on the same day is one record: a re-imported file adds nothing twice.
    __table_args__ = (UniqueConstraint("person_id", "completed_on", "course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(120))
    provider: Mapped[str] = mapped_column(String(120), default="")  # 主办单位
    completed_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(index=True)  # completed_on's year, what the yearly sums group by
    hours: Mapped[int]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person: Mapped[Person] = relationship()

    @validates("completed_on")
    def _keep_year(self, _attribute: str, completed_on: date) -> date:
        self.year = completed_on.year
        return completed_on
