"""Exposure as the bank sees it: how often each question version was drawn onto a paper and seen. The papers
belong to the exams domain, above the bank: it counts them (examsys.exams.exposure) and registers its counter
here at app creation, so the bank's pages flag over-exposed versions without importing exams."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Exposure:
    drawn: int = 0  # papers holding the version
    seen: int = 0  # of those, papers the candidate started (the room showed it)


Counter = Callable[[Session, Iterable[int] | None], dict[int, Exposure]]
_counter: list[Counter] = []


def provide(counter: Counter) -> None:
    """Register the one counter (the exams domain's, at app creation)."""
    _counter[:] = [counter]


def exposure(session: Session, version_ids: Iterable[int] | None = None) -> dict[int, Exposure]:
    """Version id → its exposure; empty when no counter is registered (no exams: nothing was drawn)."""
    return _counter[0](session, version_ids) if _counter else {}


def over_exposed(figures: dict[int, Exposure], limit: int) -> set[int]:
    """Versions drawn onto more papers than `limit` (0 or less: no limit)."""
    return {v for v, e in figures.items() if limit > 0 and e.drawn > limit}
