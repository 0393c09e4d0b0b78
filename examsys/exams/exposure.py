"""Exposure: how often each question version was drawn onto a paper, and seen (its paper was started, so the
room showed it; an answer given implies that too). Computed from the attempts' pinned papers (`Attempt.items`),
not kept in a counter, so it can never drift from what candidates were given.

The bank page flags a version drawn onto more papers than the setting BANK_EXPOSURE_LIMIT; a plan that prefers
less-exposed items gives the drawn counts to paper assembly (examsys.exams.papers), which stays pure: the same
figures and seed give the same paper."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.bank.exposure import Exposure, over_exposed, provide
from examsys.exams.models import Attempt, AttemptStatus

__all__ = ["Exposure", "drawn_counts", "exposure", "init_app", "over_exposed"]


def exposure(session: Session, version_ids: Iterable[int] | None = None, batch: int = 2000) -> dict[int, Exposure]:
    """Version id → its exposure, over every attempt (all plans, practice included): one pass over the papers,
    reading only their items and status. With `version_ids`, only those are counted."""
    wanted = None if version_ids is None else set(version_ids)
    drawn: Counter[int] = Counter()
    seen: Counter[int] = Counter()
    query = select(Attempt.items, Attempt.status).execution_options(yield_per=batch)
    for items, status in session.execute(query):
        started = status is not AttemptStatus.NOT_STARTED
        for item in items or ():
            version_id = item.get("v")
            if wanted is not None and version_id not in wanted:
                continue
            drawn[version_id] += 1
            if started:
                seen[version_id] += 1
    return {v: Exposure(drawn[v], seen[v]) for v in drawn}


def drawn_counts(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    """Version id → papers that drew it: the figure paper assembly prefers low."""
    return {v: e.drawn for v, e in exposure(session, version_ids).items()}


def init_app(_app: object) -> None:
    """The bank's pages read exposure through examsys.bank.exposure; the exams domain answers it."""
    provide(exposure)
