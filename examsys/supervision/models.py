"""A recorded annual report: the figures of a year for a subtree as they were computed, when and by whom, with the
digest of what they were computed from (examsys/supervision/annual.py); the monthly snapshots of the dashboard's figures."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
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


class FigureSnapshot(Base):
    """The dashboard's figures for one organisation's subtree as they stood in a month: the last snapshot taken in
    that month (examsys/supervision/snapshots.py). Past states are not otherwise stored, so these rows are what the
    monthly trends of the dashboard's figures read."""

    __tablename__ = "figure_snapshot"
    __table_args__ = (UniqueConstraint("org_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    month: Mapped[date]  # the first day of the (local) month
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    figures: Mapped[dict[str, int]] = mapped_column(JSON)  # figure key → count, with officers and auxiliaries in post
