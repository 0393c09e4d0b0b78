"""What the exam room shows of a paper, and the room's caches: the question versions a worker has read
(pinned versions never change) and the warm-up before a synchronised start."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsys.auth.models import User
from examsys.bank.models import QuestionType, QuestionVersion
from examsys.exams.models import Answer, Attempt, AttemptStatus, PlanStatus
from examsys.exams.room import own_attempt


@dataclass(frozen=True)
class QuestionEntry:
    """One question as the candidate sees it: no key, no explanation, options in the paper's order."""

    position: int
    type: QuestionType
    stem: str
    options: list[tuple[str, str, str]]  # (shown letter, stored letter, text)
    response: Any
    flagged: bool
    points: Decimal
    section: int
    seq: int = 0  # the save counter of the stored answer (the room's script saves above it)
    mongolian: bool = False  # stem and options are the version's Mongolian text (the paper taken in Mongolian)

    @property
    def answered(self) -> bool:
        return self.response not in (None, "", [])


@dataclass(frozen=True)
class PaperView:
    questions: list[QuestionEntry]

    @property
    def unanswered(self) -> int:
        return sum(1 for q in self.questions if not q.answered)


class ShownVersion(NamedTuple):
    """What a candidate sees of a version: never its key."""

    type: QuestionType
    stem: str
    options: dict[str, str] | None
    stem_mn: str | None = None  # the Mongolian text's stem and options, when the version has one
    options_mn: dict[str, str] | None = None


SHOWN_VERSIONS_KEPT = 50_000
ROOM_TEMPLATES = ("exams/question.html", "exams/_room_header.html", "bank/types/_true_false.html", "bank/types/_true_false_mn.html",
                  "bank/types/_fill_in.html", "bank/types/_case.html")


def shown_versions(session: Session, ids: list[int]) -> dict[int, ShownVersion]:
    """The type, stem and options of the versions a paper pins. A pinned version is never changed again
    (it is `used`), so each worker keeps what it has read in its app: during a sitting the exam room
    reads the bank once per version, not once per page. The copy is only a cache: a version not in it
    is read from the database."""
    kept: dict[int, ShownVersion] = current_app.extensions.setdefault("examsys.shown_versions", {})
    found = {version_id: kept.get(version_id) for version_id in ids}
    missing = [version_id for version_id, shown in found.items() if shown is None]
    if missing:
        if len(kept) + len(missing) > SHOWN_VERSIONS_KEPT:
            kept.clear()
        rows = session.execute(select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.stem, QuestionVersion.options,
                                      QuestionVersion.content_mn).where(QuestionVersion.id.in_(missing)))
        for version_id, qtype, stem, options, content_mn in rows:
            mn = content_mn if isinstance(content_mn, dict) else {}
            found[version_id] = kept[version_id] = ShownVersion(qtype, stem, options, mn.get("stem"), mn.get("options"))
    return found  # type: ignore[return-value]


def warm_room(session: Session, user: User, attempt: Attempt) -> None:
    """Prepare this worker for the synchronised start, from the start page, where the hall waits before
    the exam begins. Once per worker and plan: read what candidates will see of every version the plan
    can draw, and compile the exam page's templates. Once per worker: run the start's and the exam
    page's reads (on this candidate's own attempt, which nothing else is changing now), so that their
    SQL is compiled before the first click rather than during the first second of the sitting."""
    plan = attempt.plan
    if plan.status is not PlanStatus.OPEN or attempt.status is not AttemptStatus.NOT_STARTED:
        return
    warmed: set[int | str] = current_app.extensions.setdefault("examsys.warmed_room", set())
    if plan.id not in warmed:
        ids = sorted({version_id for pool in plan.pools or [] for version_id in pool})
        if len(ids) <= SHOWN_VERSIONS_KEPT // 2:
            for start in range(0, len(ids), 2000):
                shown_versions(session, ids[start:start + 2000])
        for name in ROOM_TEMPLATES:
            current_app.jinja_env.get_template(name)
        warmed.add(plan.id)
    if "statements" not in warmed:
        own_attempt(session, user, attempt.id, lock=True, with_person=True)
        paper_view(session, attempt)
        warmed.add("statements")


def paper_view(session: Session, attempt: Attempt) -> PaperView:
    versions = shown_versions(session, [item["v"] for item in attempt.items])
    answers = {position: (response, flagged, seq) for position, response, flagged, seq in session.execute(
        select(Answer.position, Answer.response, Answer.flagged, Answer.seq).where(Answer.attempt_id == attempt.id))}
    entries = []
    in_mongolian = getattr(attempt, "language", "zh") == "mn"
    for position, item in enumerate(attempt.items):
        version = versions[item["v"]]
        mongolian = in_mongolian and bool(version.stem_mn)  # a version without the text (never drawn then) stays Chinese
        texts = (version.options_mn or version.options) if mongolian else version.options
        options = [("ABCDEFGH"[i], letter, texts[letter]) for i, letter in enumerate(item["o"] or [])] if version.options else []
        response, flagged, seq = answers.get(position, (None, False, 0))
        entries.append(QuestionEntry(position, version.type, version.stem_mn if mongolian else version.stem, options, response,
                                     bool(flagged), Decimal(item["p"]), item["s"], seq or 0, mongolian))
    return PaperView(entries)
