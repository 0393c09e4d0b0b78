"""The job record: what a page shows of a long piece of work on the queue — what was asked (kind, target,
who), its state, its progress (done of total, a message), when, and the queue's job id.

A record is written in the transaction that queues the job (`start`), so that a request that rolls back
leaves neither. The task updates it as it goes (`begin`, `advance`, `finish`, `fail`), each in the commit
of the work it reports, so that the progress shown is the work kept; a job run again after its worker died
picks its record up where the last commit left it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from examsys import clock
from examsys.db import Base, LabelledEnum, UTCDateTime, enum_column
from examsys.jobs import queue


class JobState(LabelledEnum):
    QUEUED = "queued", _l("Queued")
    RUNNING = "running", _l("Running")
    DONE = "done", _l("Done")
    FAILED = "failed", _l("Stopped on an error")


ACTIVE = (JobState.QUEUED, JobState.RUNNING)


class JobRecord(Base):
    __tablename__ = "job_record"
    __table_args__ = (Index("ix_job_record_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # the task's name: exams.open_plan, reissue.run, …
    target_type: Mapped[str] = mapped_column(String(40))  # exam_plan, reissue_campaign
    target_id: Mapped[int]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the task's other arguments (to queue it again)
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)  # procrastinate's job id (PostgreSQL; None in-process)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    runs: Mapped[int] = mapped_column(default=0)  # times a worker took it up (more than one: resumed after a restart)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def percent(self) -> int:
        return 100 if self.state is JobState.DONE else int(100 * self.done / self.total) if self.total else 0


def start(session: Session, kind: str, target_type: str, target_id: int, requested_by_id: int | None, **kwargs: Any) -> JobRecord:
    """Write the record and queue `kind(record_id=…, **kwargs)` in the caller's transaction."""
    record = JobRecord(kind=kind, target_type=target_type, target_id=target_id, requested_by_id=requested_by_id, params=kwargs)
    session.add(record)
    session.flush()
    record.queue_job_id = queue.defer(session, kind, record_id=record.id, **kwargs)
    session.flush()
    return record


def active_for(session: Session, target_type: str, target_id: int, kind: str | None = None) -> JobRecord | None:
    query = select(JobRecord).where(JobRecord.target_type == target_type, JobRecord.target_id == target_id, JobRecord.state.in_(ACTIVE))
    if kind is not None:
        query = query.where(JobRecord.kind == kind)
    return session.scalars(query.order_by(JobRecord.id.desc()).limit(1)).first()


def latest_for(session: Session, target_type: str, target_id: int, kind: str | None = None) -> JobRecord | None:
    query = select(JobRecord).where(JobRecord.target_type == target_type, JobRecord.target_id == target_id)
    if kind is not None:
        query = query.where(JobRecord.kind == kind)
    return session.scalars(query.order_by(JobRecord.id.desc()).limit(1)).first()


def begin(session: Session, record_id: int) -> JobRecord | None:
    """The task takes its record up (again, after a restart). None: the record is gone or finished — nothing to do."""
    record = session.get(JobRecord, record_id, with_for_update=True)
    if record is None or not record.active:
        return None
    now = clock.now()
    record.state, record.runs, record.updated_at = JobState.RUNNING, record.runs + 1, now
    record.started_at = record.started_at or now
    return record


def advance(record: JobRecord, done: int, total: int, message: str = "") -> None:
    record.done, record.total, record.message, record.updated_at = done, total, message[:300], clock.now()


def finish(record: JobRecord, message: str = "") -> None:
    now = clock.now()
    record.state, record.finished_at, record.updated_at = JobState.DONE, now, now
    if message:
        record.message = message[:300]


def fail(session: Session, record_id: int, message: str) -> None:
    """Mark the record failed, in its own commit (the caller rolled back the work that failed)."""
    record = session.get(JobRecord, record_id)
    if record is not None and record.active:
        now = clock.now()
        record.state, record.message, record.finished_at, record.updated_at = JobState.FAILED, message[:300], now, now
        session.commit()


def requeue_stale(session: Session, minutes: float = 5) -> int:
    """In-process (SQLite) only: queue again the jobs whose record is still queued or running but has not moved for
    `minutes` — their queue lived in a process that stopped (the demo server). On PostgreSQL the worker puts back
    the jobs of a dead worker itself (`retry_stalled`), and this does nothing."""
    if not queue.inline():
        return 0
    since = clock.now() - timedelta(minutes=minutes)
    stale = list(session.scalars(select(JobRecord).where(JobRecord.state.in_(ACTIVE))))
    stale = [r for r in stale if (r.updated_at or r.created_at) < since]
    for record in stale:
        record.updated_at = clock.now()
        queue.defer(session, record.kind, record_id=record.id, **(record.params or {}))
    return len(stale)
