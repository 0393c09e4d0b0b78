"""Practice mode: self-paced questions from the active banks, answered with immediate feedback, and the
wrong-answer book (错题本). Open to officers and auxiliary staff alike; nothing here counts for a credential.

What practice may show is its pool, and nothing else: the active versions of the practised types from the
banks the person's organisation draws on (its ancestors' and its own subtree's), of the common part and of
the sector part of the person's own domains — less every version drawn for an open exam plan that still
has a paper not handed in, theirs or anyone's (live_papers.py), since answering in practice shows the key. A question is asked for by
an opaque, signed reference the server handed out, or by the person's own earlier practice answer; never
by a raw version id. While the person has an attempt in progress, practice is closed.

Practice in Mongolian (language "mn") is the same pool less every version whose Mongolian text is not reviewed
(`QuestionVersion.mn_ready`, as a Mongolian paper draws): stem, options and explanation in Mongolian, answers
checked as the room checks them (a fill-in's Mongolian answers count). Each answer keeps the script it was given
in, and the wrong-answer book shows the question in it."""
from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from examsys import clock
from examsys.auth.models import User
from examsys.bank.models import BankPart, Question, QuestionType, QuestionVersion, VersionStatus
from examsys.bank.types import kind_of
from examsys.errors import InvalidState, NotFound, PermissionDenied
from examsys.exams.live_papers import on_unsubmitted_papers
from examsys.exams.models import PAPER_LANGUAGES, Attempt, AttemptStatus, PracticeAnswer
from examsys.exams.saving import normalise_response
from examsys.orgs.models import Organisation
from examsys.personnel.models import Person

PRACTISED_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE, QuestionType.FILL_IN)


class PracticeClosed(InvalidState):
    """The person has an exam attempt in progress: no practice (and so no key) until it is handed in."""


def _person(session: Session, user: User) -> Person:
    person = session.get(Person, user.person_id) if user.person_id is not None else None
    if person is None:
        raise PermissionDenied(_("Practice is for officers and auxiliary staff with a personal account."))
    return person


def is_closed(session: Session, person_id: int) -> bool:
    """Whether the person has an attempt in progress (one past its deadline no longer counts)."""
    now = clock.now()
    return session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.person_id == person_id, Attempt.status == AttemptStatus.IN_PROGRESS,
        or_(Attempt.deadline.is_(None), Attempt.deadline > now))) != 0


def _open_person(session: Session, user: User) -> Person:
    person = _person(session, user)
    if is_closed(session, person.id):
        raise PracticeClosed(_("Practice is closed while you have an exam in progress. Hand in your paper first."))
    return person


def _pool(person: Person, language: str = "zh") -> Select[Any]:
    """The practice pool of the person before the live papers are taken out: ids of active versions of the
    practised types, in the banks their organisation draws on, of the common part or of their domains; in
    Mongolian, only those whose Mongolian text is reviewed."""
    org = person.org
    domain_ids = [domain.id for domain in person.domains]
    part = Question.part == BankPart.COMMON
    if domain_ids:
        part = part | ((Question.part == BankPart.SECTOR) & Question.domain_id.in_(domain_ids))
    query = (select(QuestionVersion.id).join(Question, QuestionVersion.question_id == Question.id)
             .join(Organisation, Question.org_id == Organisation.id)
             .where(QuestionVersion.status == VersionStatus.ACTIVE, QuestionVersion.type.in_(PRACTISED_TYPES), part,
                    Organisation.id.in_(org.ancestor_ids()) | Organisation.path.startswith(org.path)))
    return query.where(QuestionVersion.mn_ready) if language == "mn" else query


def _pool_ids(session: Session, person: Person, language: str, law: str | None = None) -> list[int]:
    """The person's practice pool: `_pool` less every version on a paper not yet handed in."""
    query = _pool(person, language)
    if law:
        query = query.where(QuestionVersion.law == law)
    live = on_unsubmitted_papers(session)
    return [i for i in session.scalars(query) if i not in live]


def _in_pool(session: Session, person: Person, version_id: int, language: str = "zh") -> QuestionVersion | None:
    if version_id in on_unsubmitted_papers(session):
        return None
    if session.scalar(_pool(person, language).where(QuestionVersion.id == version_id)) is None:
        return None
    return session.get(QuestionVersion, version_id)


def language_of(value: str | None) -> str:
    """A practice language as asked for (zh or mn); anything else is Chinese."""
    return value if value in PAPER_LANGUAGES else "zh"


def _signer(person_id: int) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"practice-item:{person_id}")


def reference(user: User, version: QuestionVersion, language: str = "zh") -> str:
    """The opaque reference to a question in a script, handed out to this person; only they can answer with it."""
    return str(_signer(user.person_id or 0).dumps([version.id, language_of(language)]))


def _referenced(user: User, ref: str) -> tuple[int, str]:
    try:
        value = _signer(user.person_id or 0).loads(ref)
    except (BadData, UnicodeError):
        value = None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and value[1] in PAPER_LANGUAGES):
        raise NotFound(_("No such practice question."))
    return value[0], value[1]


def laws(session: Session, user: User, language: str = "zh") -> list[tuple[str, int]]:
    """The laws with questions in the person's practice pool in the language, and how many."""
    ids = _pool_ids(session, _open_person(session, user), language)
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 1000):
        for law, n in session.execute(select(QuestionVersion.law, func.count()).where(
                QuestionVersion.id.in_(ids[start:start + 1000])).group_by(QuestionVersion.law)):
            counts[law] = counts.get(law, 0) + n
    return sorted(counts.items())


def next_question(session: Session, user: User, law: str | None, rng: random.Random | None = None,
                  language: str = "zh") -> QuestionVersion | None:
    """A random question of the law from the person's practice pool in the language, preferring ones they have not
    practised yet."""
    person = _open_person(session, user)
    ids = _pool_ids(session, person, language, law)
    if not ids:
        return None
    done = set(session.scalars(select(PracticeAnswer.version_id).where(PracticeAnswer.person_id == person.id)))
    fresh = [i for i in ids if i not in done] or ids
    return session.get(QuestionVersion, (rng or random.SystemRandom()).choice(fresh))


def option_order(version: QuestionVersion, rng: random.Random | None = None) -> list[str] | None:
    """The stored option letters in a fresh random order: the stored order must teach nothing."""
    if not version.options:
        return None
    order = sorted(version.options)
    (rng or random.SystemRandom()).shuffle(order)
    return order


def parse_order(raw: str | None, version: QuestionVersion) -> list[str] | None:
    """The order a practice page showed (sent back with the answer); the stored order when it is not a
    permutation of the question's letters."""
    letters = sorted(version.options) if version.options else None
    order = [part for part in (raw or "").split(",") if part]
    return order if letters and sorted(order) == letters else letters


@dataclass(frozen=True)
class Shown:
    """A practice question as the page shows it, in its script: no key. `mongolian`: the Mongolian text, set vertically."""

    type: QuestionType
    stem: str
    options: dict[str, str] | None
    mongolian: bool = False


def shown(version: QuestionVersion, language: str) -> Shown:
    mn = (version.content_mn or {}) if language == "mn" else {}
    if mn.get("stem"):
        return Shown(version.type, mn["stem"], mn.get("options") or version.options, True)
    return Shown(version.type, version.stem, version.options)


@dataclass(frozen=True)
class Feedback:
    version: QuestionVersion
    response: Any
    correct: bool
    key: str  # in the letters the page showed
    order: list[str] | None = None
    language: str = "zh"

    @property
    def explanation_mn(self) -> str:
        """The Mongolian explanation, when the question was answered in Mongolian and its text has one."""
        return str((self.version.content_mn or {}).get("explanation") or "") if self.language == "mn" else ""


def question_for(session: Session, user: User, ref: str) -> tuple[QuestionVersion, str]:
    """The question a reference stands for and its script, if it is still in the person's practice pool in it."""
    person = _open_person(session, user)
    version_id, language = _referenced(user, ref)
    version = _in_pool(session, person, version_id, language)
    if version is None:
        raise NotFound(_("No such practice question."))
    return version, language


def answer(session: Session, user: User, ref: str, raw: Any, order: list[str] | None = None) -> Feedback:
    """Check an answer to a referenced question of the pool, keep it with its script, and give the key and
    explanation (in the letters of `order`, the option order the page showed, when it is one)."""
    version, language = question_for(session, user, ref)
    letters = sorted(version.options) if version.options else None
    response = normalise_response(version.type, raw, letters)
    content = version.content()
    correct = kind_of(version.type).score(content, response, Decimal(1)) == Decimal(1)
    session.add(PracticeAnswer(person_id=user.person_id, version_id=version.id, response=response, correct=correct, language=language))
    session.flush()
    key = kind_of(version.type).key_text(content)
    mn_answers = (version.content_mn or {}).get("answer") if language == "mn" else None
    if version.type is QuestionType.FILL_IN and mn_answers:  # the accepted answers in the script answered in
        key = " / ".join(mn_answers)
    if letters and order and sorted(order) == letters:
        shown = {stored: "ABCDEFGH"[i] for i, stored in enumerate(order)}
        keyed = [content["answer"]] if isinstance(content["answer"], str) else content["answer"]
        key = "".join(sorted(shown[letter] for letter in keyed))
    return Feedback(version, response, correct, key, order, language)


def retry(session: Session, user: User, answer_id: int) -> tuple[QuestionVersion, str] | None:
    """The question of one of the person's own earlier practice answers in the script it was answered in, or None
    when it has left their pool (in that script).
    Someone else's answer (or none) is NotFound before anything else is said, so an id tells nothing about
    whether its owner practises or sits an exam now."""
    earlier = session.get(PracticeAnswer, answer_id)
    if earlier is None or earlier.person_id != _person(session, user).id:
        raise NotFound(_("No such practice question."))
    person = _open_person(session, user)
    for language in dict.fromkeys((earlier.language, "zh")):  # in Chinese if its Mongolian text is no longer reviewed
        version = _in_pool(session, person, earlier.version_id, language)
        if version is not None:
            return version, language
    return None


@dataclass(frozen=True)
class WrongEntry:
    answer_id: int  # the person's latest (wrong) practice answer: what a retry refers to
    version: QuestionVersion
    language: str = "zh"  # the script of that answer: the book shows the question in it

    @property
    def shown(self) -> Shown:
        return shown(self.version, self.language)


def wrong_book(session: Session, user: User) -> list[WrongEntry]:
    """Questions whose latest practice answer was wrong and that are still in the pool: answering one right takes it out."""
    person = _open_person(session, user)
    latest = (select(PracticeAnswer.version_id, func.max(PracticeAnswer.id).label("last"))
              .where(PracticeAnswer.person_id == person.id).group_by(PracticeAnswer.version_id).subquery())
    query = (select(PracticeAnswer.id, PracticeAnswer.language, QuestionVersion).join(latest, latest.c.version_id == QuestionVersion.id)
             .join(PracticeAnswer, PracticeAnswer.id == latest.c.last).where(PracticeAnswer.correct.is_(False))
             .join(Question, QuestionVersion.question_id == Question.id)
             .where(QuestionVersion.id.in_(_pool(person))).order_by(QuestionVersion.law, Question.ref))
    live = on_unsubmitted_papers(session)
    return [WrongEntry(answer_id, version, language if version.mn_ready else "zh")
            for answer_id, language, version in session.execute(query) if version.id not in live]
