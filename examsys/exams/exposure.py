"""Exposure: how often each question version was drawn onto a paper, and seen (its paper was started, so the
room showed it; an answer given implies that too). Computed from the attempts' pinned papers (`Attempt.items`),
not kept in a counter, so it can never drift from what candidates were given.

The bank page flags a version drawn onto more papers than the setting BANK_EXPOSURE_LIMIT; a plan that prefers
less-exposed items gives the drawn counts to paper assembly (examsys.exams.papers), which stays pure: the same
figures and seed give the same paper."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from examsys.bank.exposure import Exposure, over_exposed, provide
from examsys.exams.models import AttemptStatus

__all__ = ["Exposure", "drawn_counts", "exposure", "init_app", "over_exposed"]


# One aggregate over the papers' items, in each database's own way of opening a JSON array into rows: the
# figures are counted where the papers are, not by reading every paper into Python (the bank page asks on each view).
_EXPOSURE_SQL = {
    "postgresql": """SELECT (e.value->>'v')::int AS v, count(*) AS drawn, count(*) FILTER (WHERE a.status <> :not_started) AS seen
                     FROM attempt a CROSS JOIN LATERAL json_array_elements(
                       CASE WHEN json_typeof(a.items) = 'array' THEN a.items ELSE '[]'::json END) AS e {where} GROUP BY 1""",
    "sqlite": """SELECT CAST(json_extract(e.value, '$.v') AS INTEGER) AS v, count(*) AS drawn,
                        sum(CASE WHEN a.status <> :not_started THEN 1 ELSE 0 END) AS seen
                 FROM attempt a, json_each(a.items) AS e {where} GROUP BY 1""",
}
_VERSION = {"postgresql": "(e.value->>'v')::int", "sqlite": "CAST(json_extract(e.value, '$.v') AS INTEGER)"}


def exposure(session: Session, version_ids: Iterable[int] | None = None) -> dict[int, Exposure]:
    """Version id → its exposure, over every attempt (all plans, practice included), from the papers' pinned
    items and status. With `version_ids`, only those are counted."""
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"not_started": AttemptStatus.NOT_STARTED.value}
    where = ""
    if version_ids is not None:
        wanted = sorted(set(version_ids))
        if not wanted:
            return {}
        where = f"WHERE {_VERSION[dialect]} IN :wanted"
        params["wanted"] = wanted
    query = text(_EXPOSURE_SQL[dialect].format(where=where))
    if version_ids is not None:
        query = query.bindparams(bindparam("wanted", expanding=True))
    return {row.v: Exposure(int(row.drawn), int(row.seen or 0)) for row in session.execute(query, params) if row.v is not None}


def drawn_counts(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    """Version id → papers that drew it: the figure paper assembly prefers low."""
    return {v: e.drawn for v, e in exposure(session, version_ids).items()}


def init_app(_app: object) -> None:
    """The bank's pages read exposure through examsys.bank.exposure; the exams domain answers it."""
    provide(exposure)
