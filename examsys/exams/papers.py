"""Paper assembly: the pools a blueprint draws from, whether they can fill it, and the drawing itself,
which is reproducible: the same seed and pools give the same paper, for audit and appeal."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.bank.models import BankPart, Question, QuestionType, QuestionVersion, VersionStatus
from examsys.exams.models import BlueprintSection, ExamPlan
from examsys.orgs.models import Organisation

CHOICE_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)


# version id → (question type, option letters, enemy group, exposure): exposure is how many papers drew the version
# so far, given only when the plan prefers less-exposed items (else 0, and absent in older callers' shapes)
Shapes = dict[int, tuple[Any, ...]]


def shapes_of(rows: Any, exposure: dict[int, int] | None = None) -> Shapes:
    return {row.id: (QuestionType(row.type).value, sorted(row.options) if row.options else None, getattr(row, "enemy_group", None),
                     (exposure or {}).get(row.id, 0)) for row in rows}


def _exposure(shapes: Shapes, version_id: int) -> int:
    shape = shapes[version_id]
    return shape[3] if len(shape) > 3 else 0


def _units(pool: list[int], shapes: Shapes | None) -> int:
    """How many questions a pool can give one paper: each enemy group counts once."""
    if not shapes:
        return len(pool)
    groups = {shapes[v][2] for v in pool if v in shapes and shapes[v][2]}
    return sum(1 for v in pool if not (v in shapes and shapes[v][2])) + len(groups)


def pools_for(session: Session, plan: ExamPlan) -> tuple[list[list[int]], Shapes]:
    """For each section, the active versions it may draw (sorted ids), and each version's type and option letters.

    A plan draws from the banks of its organisation's ancestors and of its own subtree."""
    ancestors = plan.org.ancestor_ids()
    query = (select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.law, QuestionVersion.difficulty, QuestionVersion.options,
                    Question.enemy_group)
             .join(Question, QuestionVersion.question_id == Question.id).join(Organisation, Question.org_id == Organisation.id)
             .where(QuestionVersion.status == VersionStatus.ACTIVE, Question.part == plan.part,
                    Organisation.id.in_(ancestors) | Organisation.path.startswith(plan.org.path)))
    if plan.part is BankPart.SECTOR:
        query = query.where(Question.domain_id == plan.domain_id)
    if getattr(plan, "offers_mongolian", False):
        # every paper may be taken in either script: only versions whose Mongolian text is reviewed (a review needs a text)
        query = query.where(QuestionVersion.mn_ready)
    rows = session.execute(query).all()
    exposure = None
    if getattr(plan, "prefer_less_exposed", False):
        from examsys.exams.exposure import drawn_counts

        exposure = drawn_counts(session, {row.id for row in rows})
    shapes = shapes_of(rows, exposure)
    pools = []
    for section in plan.sections:
        pool = sorted(row.id for row in rows if row.type is section.type and (section.law is None or row.law == section.law)
                      and (section.difficulty is None or row.difficulty == section.difficulty))
        pools.append(pool)
    return pools, shapes


@dataclass(frozen=True)
class SectionCheck:
    section: BlueprintSection
    available: int

    @property
    def ok(self) -> bool:
        return self.available >= self.section.count


@dataclass(frozen=True)
class PlanCheck:
    sections: list[SectionCheck]
    overlap_ok: bool

    @property
    def ok(self) -> bool:
        return self.overlap_ok and all(s.ok for s in self.sections)

    @property
    def distinct_papers_log10(self) -> float:
        """log10 of how many different question sets the pools allow (sections taken apart)."""
        total = 0.0
        for s in self.sections:
            if s.available < s.section.count or s.section.count == 0:
                continue
            total += math.log10(math.comb(s.available, s.section.count))
        return total


def check(plan: ExamPlan, pools: list[list[int]], shapes: Shapes | None = None) -> PlanCheck:
    """Every quota fillable, and fillable together when sections share questions; with `shapes`, the
    questions of one enemy group count as one, since a paper holds at most one of them."""
    checks = [SectionCheck(section, _units(pool, shapes)) for section, pool in zip(plan.sections, pools, strict=True)]
    union: set[int] = set()
    for pool in pools:
        union.update(pool)
    overlap_ok = _units(sorted(union), shapes) >= sum(s.count for s in plan.sections)
    return PlanCheck(checks, overlap_ok)


def assemble(plan: ExamPlan, pools: list[list[int]], shapes: Shapes, seed: str) -> list[dict[str, Any]]:
    """Draw one paper. Questions are grouped by section in blueprint order; inside a section their
    order, and the order of each question's options, follow the plan's shuffle settings.

    Each item: {"v": version id, "t": type, "o": option order or null, "p": points, "s": section} —
    all a save needs to check an answer, so saving reads no question."""
    rng = random.Random(seed)
    used: set[int] = set()
    groups: set[str] = set()
    items: list[dict[str, Any]] = []
    for index, (section, pool) in enumerate(zip(plan.sections, pools, strict=True)):
        if used.intersection(pool):
            pool = [v for v in pool if v not in used]
        chosen = _draw_section(rng, pool, section.count, shapes, groups, getattr(plan, "prefer_less_exposed", False))
        if not plan.shuffle_questions:
            chosen.sort()
        used.update(chosen)
        points = str(Decimal(section.points_each).quantize(Decimal("0.01")))
        for version_id in chosen:
            qtype, order = shapes[version_id][:2]
            if order is not None:
                order = list(order)
                if plan.shuffle_options:
                    rng.shuffle(order)
            items.append({"v": version_id, "t": qtype, "o": order, "p": points, "s": index})
    return items


# Windows of the pools being drawn now: opening a plan draws thousands of papers from the same pools and shapes,
# and a window depends on nothing else. Keyed by identity, holding the objects so that an id is never reused
# while cached; pools and shapes are never changed once drawing starts.
_WINDOWS: dict[tuple[int, int, int], tuple[list[int], Shapes, list[int]]] = {}


def _window(pool: list[int], count: int, shapes: Shapes) -> list[int]:
    key = (id(pool), id(shapes), count)
    cached = _WINDOWS.get(key)
    if cached is not None and cached[0] is pool and cached[1] is shapes:
        return cached[2]
    if len(_WINDOWS) >= 16:
        _WINDOWS.clear()
    window = least_exposed(pool, count, shapes)
    _WINDOWS[key] = (pool, shapes, window)
    return window


def least_exposed(pool: list[int], count: int, shapes: Shapes) -> list[int]:
    """The part of a pool a plan preferring less-exposed items draws from: its least-drawn versions, at least
    twice the quota or half the pool, and every version as little drawn as the last one taken (so that ties are
    not broken by id, which would always favour old questions)."""
    if len(pool) <= 2 * count:
        return pool
    ranked = sorted(pool, key=lambda v: (_exposure(shapes, v), v))
    size = max(2 * count, (len(pool) + 1) // 2)
    bar = _exposure(shapes, ranked[size - 1])
    return sorted(v for v in pool if _exposure(shapes, v) <= bar)


def _draw_section(rng: random.Random, pool: list[int], count: int, shapes: Shapes, groups: set[str], prefer_less_exposed: bool) -> list[int]:
    """The section's questions: with the preference, from the least-exposed part of the pool when it can fill the
    quota (enemy groups kept), else from the whole pool; without it, exactly as before."""
    if prefer_less_exposed:
        window = _window(pool, count, shapes)
        if len(window) < len(pool):
            taken = set(groups)
            try:
                return _sample(rng, window, count, shapes, groups)
            except ValueError:
                groups.clear()
                groups.update(taken)  # a failed draw in the window leaves the paper's groups as they were
    return _sample(rng, pool, count, shapes, groups)


def _sample(rng: random.Random, pool: list[int], count: int, shapes: Shapes, groups: set[str]) -> list[int]:
    """`count` questions of the pool, at most one of each enemy group (and none of a group already on the
    paper, which `groups` collects). Without groups in the draw this is exactly `rng.sample`."""
    chosen = rng.sample(pool, count)
    kept: list[int] = []
    for version_id in chosen:
        group = shapes[version_id][2]
        if group is None or group not in groups:
            kept.append(version_id)
            if group is not None:
                groups.add(group)
    if len(kept) == count:
        return chosen
    taken = set(kept)
    rest = [v for v in pool if v not in taken and (shapes[v][2] is None or shapes[v][2] not in groups)]
    rng.shuffle(rest)
    for version_id in rest:
        group = shapes[version_id][2]
        if group is not None and group in groups:
            continue
        kept.append(version_id)
        if group is not None:
            groups.add(group)
        if len(kept) == count:
            return kept
    raise ValueError("the pool cannot fill the section without two questions of one enemy group")
