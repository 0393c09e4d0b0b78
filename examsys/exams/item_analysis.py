"""Item analysis for exam administrators: how each question performed on the graded papers of a plan,
or of every plan (in the actor's scope) that used one question version.

For every item: how many graded papers held it, the facility (difficulty index p: mean score over the
points), the discrimination as the item-rest point-biserial correlation (the item's score against the
paper's total without that item) and as the upper-lower index D (facility in the top 27 % of papers by
total score minus that in the bottom 27 %), the blank rate, and for choice items the share of papers that
chose each option. Answers are stored in the bank's option letters whatever order the candidate saw them
in, so the shares are already those of the canonical options.

The work is one SQL aggregation: the database unnests each paper's items once, joins the answers and
sums, per plan, item, score band (upper / middle / lower) and answer given, the few sums every figure is
made from (n, Σx, Σx², Σt, Σt², Σxt, Σpoints). Those sums are additive, so a question version seen in
several plans is summed over plans, and its correlation is the pooled within-plan one (each plan's totals
centred on their own mean): no plan's scale leaks into another's."""
from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session, joinedload, undefer

from examsys.auth.models import User
from examsys.auth.permissions import can
from examsys.bank.models import Question, QuestionType, QuestionVersion
from examsys.errors import NotFound
from examsys.exams.exposure import Exposure, exposure
from examsys.exams.models import Attempt, AttemptStatus, ExamPlan, PlanStatus
from examsys.exams.plans import ADMIN, get_plan, plan_query

CHOICE_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE)
UPPER, MIDDLE, LOWER = 1, 0, -1


@dataclass(frozen=True)
class Thresholds:
    """When an item is flagged (settings ITEM_FACILITY_LOW, ITEM_FACILITY_HIGH, ITEM_DISCRIMINATION_LOW,
    ITEM_GROUP_PERCENT)."""

    facility_low: float = 0.2
    facility_high: float = 0.95
    discrimination_low: float = 0.2
    group_percent: int = 27  # the upper and lower groups: this share of the papers each, by total score

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        return cls(float(config["ITEM_FACILITY_LOW"]), float(config["ITEM_FACILITY_HIGH"]), float(config["ITEM_DISCRIMINATION_LOW"]),
                   max(1, min(50, int(config["ITEM_GROUP_PERCENT"]))))


FLAG_LABELS = {
    "too_hard": _l("Very hard"),
    "too_easy": _l("Very easy"),
    "weak": _l("Discriminates weakly"),
    "negative": _l("Discriminates negatively"),
    "unused_distractor": _l("A distractor nobody chose"),
    "key_error": _l("Possible key error"),
}
@dataclass
class _Sums:
    """Additive sums over papers: x the item's score, t the paper's total, p the item's points."""

    n: int = 0
    sx: float = 0.0
    sxx: float = 0.0
    st: float = 0.0
    stt: float = 0.0
    sxt: float = 0.0
    sp: float = 0.0

    def add(self, other: _Sums) -> None:
        self.n += other.n
        self.sx += other.sx
        self.sxx += other.sxx
        self.st += other.st
        self.stt += other.stt
        self.sxt += other.sxt
        self.sp += other.sp

    @property
    def facility(self) -> float | None:
        return self.sx / self.sp if self.sp > 0 else None

    def centred(self) -> tuple[float, float, float]:
        """n × (co)variances of x and of the rest y = t − x: (Cxx, Cyy, Cxy), each Σ(a − ā)(b − b̄)."""
        if self.n == 0:
            return 0.0, 0.0, 0.0
        sy, syy, sxy = self.st - self.sx, self.stt - 2 * self.sxt + self.sxx, self.sxt - self.sxx
        return (self.sxx - self.sx * self.sx / self.n, syy - sy * sy / self.n, sxy - self.sx * sy / self.n)


def _correlation(parts: Iterable[_Sums]) -> float | None:
    """The item-rest correlation, pooled within plans when there are several (one plan: plain Pearson)."""
    cxx = cyy = cxy = 0.0
    for part in parts:
        a, b, c = part.centred()
        cxx, cyy, cxy = cxx + a, cyy + b, cxy + c
    # Sums of squares that cancel to (almost) nothing mean no variance: no correlation to speak of.
    if cxx <= 1e-9 or cyy <= 1e-9:
        return None
    # Rounded so that a correlation of exactly zero is not read as a (float-noise) negative one.
    return max(-1.0, min(1.0, round(cxy / math.sqrt(cxx * cyy), 12)))


@dataclass(frozen=True)
class OptionShare:
    letter: str  # the bank's letter, or "true" / "false"
    label: str
    key: bool
    chosen: int
    share: float
    upper: int  # chosen in the upper group
    lower: int


@dataclass
class ItemStats:
    version_id: int
    question_id: int
    ref: str
    number: int
    type: QuestionType
    stem: str
    attempts: int
    facility: float | None
    discrimination: float | None  # item-rest point-biserial
    upper_lower: float | None  # D = facility(upper) − facility(lower)
    blank_rate: float
    options: list[OptionShare]
    flags: list[str]
    bank_visible: bool = False  # the actor may open the question in the bank
    exposure: Exposure | None = None  # over every paper (all plans): drawn onto, and seen (started)
    plan: ExamPlan | None = None  # set on the per-version page
    law: str = ""  # the law the question rests on (the bank's controlled list)

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAG_LABELS[f]) for f in self.flags]


@dataclass
class _Acc:
    """What one item's rows add up to, per plan (for the pooled correlation)."""

    by_plan: dict[int, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    bands: dict[int, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    blank: int = 0
    choices: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))  # letter → band → papers

    @property
    def total(self) -> _Sums:
        out = _Sums()
        for part in self.by_plan.values():
            out.add(part)
        return out


# Each graded paper with its total and its band: rank 1 is the best total (ties broken by attempt id); with
# n papers and g = round(n × pct / 100), ranks 1…g are the upper group and n−g+1…n the lower one, written in
# integers (100 × rank ≤ pct × n + 50) so that both databases round alike.
_BANDED = """
    banded AS MATERIALIZED (
        SELECT id, plan_id, items, total,
               CASE WHEN 100 * rank <= :pct * n + 50 THEN 1
                    WHEN 100 * (n - rank + 1) <= :pct * n + 50 THEN -1 ELSE 0 END AS band
        FROM (SELECT a.id, a.plan_id, a.items, CAST(a.score AS {float}) AS total,
                     row_number() OVER (PARTITION BY a.plan_id ORDER BY a.score DESC, a.id) AS rank,
                     count(*) OVER (PARTITION BY a.plan_id) AS n
              FROM attempt AS a
              WHERE a.status = 'graded' AND a.plan_id IN :plans{language}) AS graded
    )"""
# Per item of each paper: its version, the points it carried, the score earned, and what was answered:
# the answer itself for a choice item (a handful of different ones), '*' for any other, NULL for blank.
_CHOICE = """
    CASE WHEN an.response IS NULL OR CAST(an.response AS TEXT) IN ('null', '""', '[]') THEN NULL
         WHEN {type} IN ({choice_types}) THEN CAST(an.response AS TEXT) ELSE '*' END"""
# PostgreSQL: each paper's items are parsed once into typed columns, and its answers fetched by index.
_SCORED_POSTGRESQL = """
    scored AS (
        SELECT b.plan_id, b.band, b.total, s.version_id, s.points, s.x, s.choice
        FROM banded AS b CROSS JOIN LATERAL (
            SELECT e.v AS version_id, e.p AS points, CAST(coalesce(an.score, 0) AS DOUBLE PRECISION) AS x, {choice} AS choice
            FROM ROWS FROM (json_to_recordset(b.items) AS (v INTEGER, t TEXT, p DOUBLE PRECISION)) WITH ORDINALITY AS e(v, t, p, ordinality)
            LEFT JOIN answer AS an ON an.attempt_id = b.id AND an.position = e.ordinality - 1
        ) AS s
    )"""
_SCORED_SQLITE = """
    item AS (
        SELECT b.id, b.plan_id, b.band, b.total, CAST(json_extract(e.value, '$.v') AS INTEGER) AS version_id,
               json_extract(e.value, '$.t') AS type, CAST(json_extract(e.value, '$.p') AS REAL) AS points, CAST(e.key AS INTEGER) AS position
        FROM banded AS b CROSS JOIN json_each(b.items) AS e
    ), scored AS (
        SELECT i.plan_id, i.band, i.total, i.version_id, i.points, CAST(coalesce(an.score, 0) AS REAL) AS x, {choice} AS choice
        FROM item AS i LEFT JOIN answer AS an ON an.attempt_id = i.id AND an.position = i.position
    )"""
_SUMS = """
    SELECT plan_id, version_id, band, choice, count(*) AS n, sum(x) AS sx, sum(x * x) AS sxx, sum(total) AS st,
           sum(total * total) AS stt, sum(x * total) AS sxt, sum(points) AS sp
    FROM scored
    {where}
    GROUP BY plan_id, version_id, band, choice"""


def _sql(dialect: str, with_versions: bool, with_language: bool = False) -> Any:
    """The aggregation: one row per plan, item, band and answer given, with the sums. `with_language`: only the papers
    taken in one script (the bands then rank those papers among themselves)."""
    choice_types = ", ".join(f"'{t.value}'" for t in CHOICE_TYPES)
    language = " AND a.language = :language" if with_language else ""
    if dialect == "postgresql":
        banded = _BANDED.format(float="DOUBLE PRECISION", language=language)
        scored = _SCORED_POSTGRESQL.format(choice=_CHOICE.format(type="e.t", choice_types=choice_types))
    else:
        banded = _BANDED.format(float="REAL", language=language)
        scored = _SCORED_SQLITE.format(choice=_CHOICE.format(type="i.type", choice_types=choice_types))
    sums = _SUMS.format(where="WHERE version_id IN :versions" if with_versions else "")
    params = [bindparam("plans", expanding=True)]
    if with_versions:
        params.append(bindparam("versions", expanding=True))
    return text(f"WITH {banded}, {scored} {sums}").bindparams(*params)


def _aggregate(session: Session, plan_ids: list[int], thresholds: Thresholds, version_ids: list[int] | None = None,
               per_plan: bool = False, language: str | None = None) -> dict[tuple[int, int], _Acc]:
    """Run the aggregation; the accumulators are keyed by (plan id or 0, version id)."""
    accs: dict[tuple[int, int], _Acc] = defaultdict(_Acc)
    if not plan_ids:
        return accs
    params: dict[str, Any] = {"plans": plan_ids, "pct": thresholds.group_percent}
    if version_ids is not None:
        params["versions"] = version_ids
    if language is not None:
        params["language"] = language
    statement = _sql(session.get_bind().dialect.name, version_ids is not None, language is not None)
    for row in session.execute(statement, params):
        acc = accs[(row.plan_id if per_plan else 0, row.version_id)]
        sums = _Sums(int(row.n), float(row.sx or 0), float(row.sxx or 0), float(row.st or 0), float(row.stt or 0), float(row.sxt or 0),
                     float(row.sp or 0))
        acc.by_plan[row.plan_id].add(sums)
        acc.bands[row.band].add(sums)
        if row.choice is None:
            acc.blank += sums.n
        elif row.choice != "*":
            given = json.loads(row.choice)
            for letter in given if isinstance(given, list) else [given]:
                acc.choices[json.dumps(letter) if isinstance(letter, bool) else str(letter)][row.band] += sums.n
    return accs


def _option_letters(version: QuestionVersion) -> list[tuple[str, str, bool]]:
    """(stored form, label, is the key) for each option a candidate could choose."""
    if version.type is QuestionType.TRUE_FALSE:
        return [("true", _("True"), version.answer is True), ("false", _("False"), version.answer is False)]
    key = set(version.answer if isinstance(version.answer, list) else [version.answer])
    return [(letter, letter, letter in key) for letter in sorted(version.options or {})]


def _stats(version: QuestionVersion, acc: _Acc, thresholds: Thresholds) -> ItemStats:
    total = acc.total
    n = total.n
    upper, lower = acc.bands.get(UPPER), acc.bands.get(LOWER)
    d = None
    if upper is not None and lower is not None and upper.facility is not None and lower.facility is not None:
        d = upper.facility - lower.facility
    options = []
    if version.type in CHOICE_TYPES:
        for letter, label, is_key in _option_letters(version):
            counts = acc.choices.get(letter, {})
            chosen = sum(counts.values())
            options.append(OptionShare(letter, label, is_key, chosen, chosen / n if n else 0.0, counts.get(UPPER, 0), counts.get(LOWER, 0)))
    item = ItemStats(version.id, version.question_id, version.question.ref, version.number, version.type, version.stem, n, total.facility,
                     _correlation(acc.by_plan.values()), d, acc.blank / n if n else 0.0, options, [], law=version.law)
    item.flags = flags(item, thresholds)
    return item


def flags(item: ItemStats, thresholds: Thresholds) -> list[str]:
    """What a reviewer of the item should look at."""
    out = []
    if item.facility is not None:
        if item.facility < thresholds.facility_low:
            out.append("too_hard")
        elif item.facility > thresholds.facility_high:
            out.append("too_easy")
    if item.discrimination is not None:
        if item.discrimination < 0:
            out.append("negative")
        elif item.discrimination < thresholds.discrimination_low:
            out.append("weak")
    distractors = [o for o in item.options if not o.key]
    keys = [o for o in item.options if o.key]
    if item.attempts and item.type is not QuestionType.TRUE_FALSE and any(o.chosen == 0 for o in distractors):
        out.append("unused_distractor")
    # The key's least-chosen option against the most-chosen distractor, in the upper group.
    if keys and distractors and max(o.upper for o in distractors) > min(o.upper for o in keys):
        out.append("key_error")
    return out


SORT_KEYS = {
    "question": lambda s: (s.ref, s.number),
    "type": lambda s: (s.type.value, s.ref),
    "attempts": lambda s: s.attempts,
    "facility": lambda s: (s.facility is None, s.facility or 0),
    "discrimination": lambda s: (s.discrimination is None, s.discrimination or 0),
    "upper_lower": lambda s: (s.upper_lower is None, s.upper_lower or 0),
    "blank": lambda s: s.blank_rate,
    "flags": lambda s: (-len(s.flags), s.ref),
}


def sort_items(items: list[ItemStats], sort: str) -> tuple[list[ItemStats], str]:
    """Sort by a column name, descending with a leading "-"; unknown names sort by question."""
    name = sort.lstrip("-")
    if name not in SORT_KEYS:
        return sorted(items, key=SORT_KEYS["question"]), "question"
    return sorted(items, key=SORT_KEYS[name], reverse=sort.startswith("-")), sort


def _versions(session: Session, ids: Iterable[int]) -> dict[int, QuestionVersion]:
    ids = list(ids)
    query = (select(QuestionVersion).where(QuestionVersion.id.in_(ids))
             .options(joinedload(QuestionVersion.question).joinedload(Question.org)))
    return {v.id: v for v in session.scalars(query)} if ids else {}


@dataclass(frozen=True)
class LawSummary:
    """A plan's items of one law together: how many, how hard on average, how many to look at, how exposed."""
    law: str
    items: int
    answers: int  # item answers counted (papers × items of the law)
    facility: float | None  # the mean of the items' facilities
    discrimination: float | None  # the mean of the items' discriminations, where defined
    flagged: int  # items with at least one flag
    drawn: int  # times the law's items were drawn onto a paper, over every exam (a paper with three counts three)
    seen: int  # of those, on papers the candidate started


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def by_law(items: list[ItemStats]) -> list[LawSummary]:
    """The items grouped by their law, largest group first (the plan's items are tens to hundreds: no query)."""
    groups: dict[str, list[ItemStats]] = defaultdict(list)
    for item in items:
        groups[item.law].append(item)
    rows = [LawSummary(law, len(group), sum(i.attempts for i in group), _mean([i.facility for i in group]),
                       _mean([i.discrimination for i in group]), sum(1 for i in group if i.flags),
                       sum(i.exposure.drawn for i in group if i.exposure), sum(i.exposure.seen for i in group if i.exposure))
            for law, group in groups.items()]
    return sorted(rows, key=lambda row: (-row.items, row.law))


@dataclass
class PlanStatistics:
    plan: ExamPlan
    papers: int  # graded papers counted
    items: list[ItemStats]

    @property
    def laws(self) -> list[LawSummary]:
        return by_law(self.items)


def graded_count(session: Session, plan_id: int, language: str | None = None) -> int:
    query = select(func.count()).select_from(Attempt).where(Attempt.plan_id == plan_id, Attempt.status == AttemptStatus.GRADED)
    if language is not None:
        query = query.where(Attempt.language == language)
    return session.scalar(query) or 0


def plan_statistics(session: Session, actor: User, plan_id: int, thresholds: Thresholds | None = None,
                    language: str | None = None) -> PlanStatistics:
    """Every item of the plan's graded papers (404 outside the actor's scope, as for the plan). An item is the same
    item whatever the script it was read in; `language` (zh, mn) keeps only the papers taken in that script."""
    thresholds = thresholds or Thresholds()
    plan = get_plan(session, actor, plan_id)
    accs = _aggregate(session, [plan.id], thresholds, language=language)
    versions = _versions(session, (v for _plan, v in accs))
    items = []
    for (_plan, version_id), acc in accs.items():
        item = _stats(versions[version_id], acc, thresholds)
        item.bank_visible = can(actor, ADMIN, versions[version_id].question.org)
        items.append(item)
    figures = exposure(session, [item.version_id for item in items])
    for item in items:
        item.exposure = figures.get(item.version_id, Exposure())
    return PlanStatistics(plan, graded_count(session, plan.id, language), sort_items(items, "question")[0])


@dataclass
class VersionStatistics:
    version: QuestionVersion
    pooled: ItemStats | None  # over every plan below; None when no graded paper held it
    plans: list[ItemStats]  # one per plan, newest plan first
    bank_visible: bool
    exposure: Exposure = Exposure()  # over every paper (all plans): drawn onto, and seen (started)


def version_statistics(session: Session, actor: User, version_id: int, thresholds: Thresholds | None = None) -> VersionStatistics:
    """One question version across every plan in the actor's scope whose graded papers hold it."""
    thresholds = thresholds or Thresholds()
    plans = [p for p in session.scalars(plan_query(session, actor).options(undefer(ExamPlan.pools))) if p.status is not PlanStatus.DRAFT]
    version = session.get(QuestionVersion, version_id)
    if version is None:
        raise NotFound(_("No such question."))
    # A plan's papers hold versions of its pools, or (after a regrade) a newer version of the same question.
    siblings = {v.id for v in version.question.versions}
    plans = [p for p in plans if any(v in siblings for pool in p.pools or [] for v in pool)]
    bank_visible = can(actor, ADMIN, version.question.org)
    if not plans and not bank_visible:
        raise NotFound(_("No such question."))
    by_id = {p.id: p for p in plans}
    per_plan = _aggregate(session, list(by_id), thresholds, [version.id], per_plan=True)
    rows = []
    pooled_acc = _Acc()
    for (plan_id, _v), acc in per_plan.items():
        item = _stats(version, acc, thresholds)
        item.plan = by_id[plan_id]
        rows.append(item)
        for key, sums in acc.by_plan.items():
            pooled_acc.by_plan[key].add(sums)
        for key, sums in acc.bands.items():
            pooled_acc.bands[key].add(sums)
        pooled_acc.blank += acc.blank
        for letter, bands in acc.choices.items():
            for band, count in bands.items():
                pooled_acc.choices[letter][band] += count
    rows.sort(key=lambda s: s.plan.opens_at if s.plan else 0, reverse=True)
    pooled = _stats(version, pooled_acc, thresholds) if rows else None
    return VersionStatistics(version, pooled, rows, bank_visible, exposure(session, [version.id]).get(version.id, Exposure()))
