"""People on the register: regular officers and auxiliary staff."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.db import Base, UTCDateTime, enum_column
from examsys.orgs.models import Organisation


class PersonnelKind(enum.Enum):
    OFFICER = "officer"
    AUXILIARY = "auxiliary"

    @property
    def label(self) -> str:
        return str({PersonnelKind.OFFICER: _l("Enforcement officer"), PersonnelKind.AUXILIARY: _l("Auxiliary staff")}[self])


class EmploymentStatus(enum.Enum):
    EMPLOYED = "employed"  # 在岗
    TRANSFERRED = "transferred"  # 调离
    RETIRED = "retired"  # 退休
    RESIGNED = "resigned"  # 辞职
    DISMISSED = "dismissed"  # 辞退·开除
    DECEASED = "deceased"  # 死亡

    @property
    def label(self) -> str:
        return str(EMPLOYMENT_LABELS[self])


EMPLOYMENT_LABELS = {
    EmploymentStatus.EMPLOYED: _l("In post"),
    EmploymentStatus.TRANSFERRED: _l("Transferred out"),
    EmploymentStatus.RETIRED: _l("Retired"),
    EmploymentStatus.RESIGNED: _l("Resigned"),
    EmploymentStatus.DISMISSED: _l("Dismissed"),
    EmploymentStatus.DECEASED: _l("Deceased"),
}


class StaffingKind(enum.Enum):
    CIVIL_SERVANT = "civil_servant"  # 公务员
    CIVIL_SERVANT_LIKE = "civil_servant_like"  # 参公
    PUBLIC_INSTITUTION = "public_institution"  # 事业编
    CONTRACT = "contract"  # 合同
    DISPATCHED = "dispatched"  # 劳务派遣

    @property
    def label(self) -> str:
        return str(STAFFING_LABELS[self])


STAFFING_LABELS = {
    StaffingKind.CIVIL_SERVANT: _l("Civil servant"),
    StaffingKind.CIVIL_SERVANT_LIKE: _l("Managed as civil servant"),
    StaffingKind.PUBLIC_INSTITUTION: _l("Public institution staff"),
    StaffingKind.CONTRACT: _l("Contract staff"),
    StaffingKind.DISPATCHED: _l("Agency staff"),
}


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[PersonnelKind] = mapped_column(enum_column(PersonnelKind), index=True)
    staffing_kind: Mapped[StaffingKind] = mapped_column(enum_column(StaffingKind))
    employment_status: Mapped[EmploymentStatus] = mapped_column(enum_column(EmploymentStatus), default=EmploymentStatus.EMPLOYED)
    post: Mapped[str] = mapped_column(String(80), default="")
    rank: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organisation] = relationship()


class EnforcementDomain(Base):
    """An enforcement domain (执法类别), e.g. market regulation: what an officer may enforce, what a
    sector exam covers and what a credential names."""

    __tablename__ = "enforcement_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)
