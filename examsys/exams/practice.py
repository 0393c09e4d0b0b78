"""Practice mode: self-paced questions from the active banks, answered with immediate feedback, and the
wrong-answer book (错题本). Open to officers and auxiliary staff alike; nothing here counts for a credential."""
from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsys.auth.models import User
from examsys.bank.models import Question, QuestionType, QuestionVersion, VersionStatus
from examsys.bank.types import kind_of
from examsys.errors import NotFound, PermissionDenied
from examsys.exams.models import PracticeAnswer
from examsys.exams.services import normalise_response

PRACTISED_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE, QuestionType.FILL_IN)


def _person_id(user: User) -> int:
    if user.person_id is None:
        raise PermissionDenied(_("Practice is for officers and auxiliary staff with a personal account."))
    return user.person_id


def laws(session: Session) -> list[tuple[str, int]]:
    """The laws with active practice questions, and how many."""
    query = (select(QuestionVersion.law, func.count()).where(QuestionVersion.status == VersionStatus.ACTIVE,
                                                               QuestionVersion.type.in_(PRACTISED_TYPES))
             .group_by(QuestionVersion.law).order_by(QuestionVersion.law))
    return [(law, n) for law, n in session.execute(query)]


def next_question(session: Session, user: User, law: str | None, rng: random.Random | None = None) -> QuestionVersion | None:
    """A random active question of the law, preferring ones this person has not practised yet."""
    person_id = _person_id(user)
    query = select(QuestionVersion.id).where(QuestionVersion.status == VersionStatus.ACTIVE, QuestionVersion.type.in_(PRACTISED_TYPES))
    if law:
        query = query.where(QuestionVersion.law == law)
    ids = list(session.scalars(query))
    if not ids:
        return None
    done = set(session.scalars(select(PracticeAnswer.version_id).where(PracticeAnswer.person_id == person_id)))
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
class Feedback:
    version: QuestionVersion
    response: Any
    correct: bool
    key: str  # in the letters the page showed
    order: list[str] | None = None


def answer(session: Session, user: User, version_id: int, raw: Any, order: list[str] | None = None) -> Feedback:
    person_id = _person_id(user)
    version = session.get(QuestionVersion, version_id)
    if version is None or version.status is not VersionStatus.ACTIVE or version.type not in PRACTISED_TYPES:
        raise NotFound(_("No such practice question."))
    letters = sorted(version.options) if version.options else None
    response = normalise_response(version.type, raw, letters)
    content = version.content()
    correct = kind_of(version.type).score(content, response, Decimal(1)) == Decimal(1)
    session.add(PracticeAnswer(person_id=person_id, version_id=version.id, response=response, correct=correct))
    session.flush()
    key = kind_of(version.type).key_text(content)
    if letters and order and sorted(order) == letters:
        shown = {stored: "ABCDEFGH"[i] for i, stored in enumerate(order)}
        keyed = [content["answer"]] if isinstance(content["answer"], str) else content["answer"]
        key = "".join(sorted(shown[letter] for letter in keyed))
    return Feedback(version, response, correct, key, order)


def wrong_book(session: Session, user: User) -> list[QuestionVersion]:
    """Questions whose latest practice answer was wrong: answering one right takes it out."""
    person_id = _person_id(user)
    latest = (select(PracticeAnswer.version_id, func.max(PracticeAnswer.id).label("last"))
              .where(PracticeAnswer.person_id == person_id).group_by(PracticeAnswer.version_id).subquery())
    query = (select(QuestionVersion).join(latest, latest.c.version_id == QuestionVersion.id)
             .join(PracticeAnswer, PracticeAnswer.id == latest.c.last).where(PracticeAnswer.correct.is_(False))
             .join(Question, QuestionVersion.question_id == Question.id).order_by(QuestionVersion.law, Question.ref))
    return list(session.scalars(query))
