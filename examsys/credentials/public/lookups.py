"""Public verify look-ups, counted per day and credential (rule 11: public look-ups are logged in
aggregate). Nothing about whoever scanned is kept: no address, no agent, no time finer than the day.

The verify page is the hottest public page, so a look-up is not a write: each process adds it to a
small tally in memory and writes the tally (one upsert per credential and day, adding to the stored
count) when VERIFY_COUNT_FLUSH_SECONDS have passed since its last write, in the request that notices.
A process that dies loses at most that many seconds of counts; 0 writes every look-up at once."""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Date, ForeignKey, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from examsys import clock
from examsys.db import Base


class VerifyCount(Base):
    __tablename__ = "verify_count"

    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lookups: Mapped[int] = mapped_column(default=0)


class Tally:
    """Look-ups of this process not yet written, by (credential id, day)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[int, date]] = Counter()
        self.lock = threading.Lock()
        self.last_flush = time.monotonic()

    def add(self, credential_id: int, day: date) -> None:
        with self.lock:
            self.counts[(credential_id, day)] += 1

    def take(self, every: float) -> Counter[tuple[int, date]]:
        """The counts to write now (emptying the tally), or nothing while the last write is recent."""
        with self.lock:
            if not self.counts or time.monotonic() - self.last_flush < every:
                return Counter()
            counts, self.counts = self.counts, Counter()
            self.last_flush = time.monotonic()
            return counts


def _tally() -> Tally:
    tally = current_app.extensions.get("examsys.verify_tally")
    if tally is None:
        tally = current_app.extensions["examsys.verify_tally"] = Tally()
    return tally


def write_counts(session: Session, counts: Counter[tuple[int, date]]) -> None:
    """Add `counts` to the stored ones: one upsert per credential and day."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for (credential_id, day), n in sorted(counts.items()):
        statement = insert(VerifyCount).values(credential_id=credential_id, day=day, lookups=n)
        session.execute(statement.on_conflict_do_update(index_elements=["credential_id", "day"],
                                                        set_={"lookups": VerifyCount.lookups + n}))


def count_lookup(credential_id: int) -> None:
    """Count one public look-up of the credential, today; write the tally when it is due. Its own short
    transaction on its own connection, so a failure here never touches the verify answer."""
    tally = _tally()
    tally.add(credential_id, clock.now().date())
    counts = tally.take(float(current_app.config.get("VERIFY_COUNT_FLUSH_SECONDS", 10)))
    if counts:
        flush_counts(counts)


def flush_counts(counts: Counter[tuple[int, date]] | None = None) -> None:
    """Write `counts` (default: whatever this process holds) in a transaction of their own."""
    from examsys.db import engine_for

    if counts is None:
        tally = _tally()
        counts = tally.take(0)
    if not counts:
        return
    with Session(engine_for(current_app)) as session, session.begin():
        write_counts(session, counts)


@dataclass(frozen=True)
class LookupSummary:
    last_30_days: int
    total: int


def lookup_summary(session: Session, credential_id: int) -> LookupSummary:
    """Public look-ups of a credential: the last 30 days (today included) and all time."""
    since = clock.now().date() - timedelta(days=29)
    row = session.execute(select(func.coalesce(func.sum(VerifyCount.lookups), 0),
                                 func.coalesce(func.sum(VerifyCount.lookups).filter(VerifyCount.day >= since), 0))
                          .where(VerifyCount.credential_id == credential_id)).one()
    return LookupSummary(last_30_days=int(row[1]), total=int(row[0]))
