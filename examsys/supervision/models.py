"""A recorded annual report: the figures of a year for a subtree as they were computed, when and by whom, with the
digest of what they were computed from (examsys/supervision/annual.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examsys import clock
from examsys.db import Base, UTCDateTime
from examsys.orgs.models import Organisation


class AnnualReport(Base):
    __tablename__ = "annual_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the subtree reported on
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the figures with the year and subtree (annual.digest)

    org: Mapped[Organisation] = relationship()
