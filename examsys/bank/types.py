"""The question types, one class each in a registry: how a type checks its content, shows itself to a
candidate, accepts an answer, scores it and summarises the answers given."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from decimal import Decimal
from typing import Any, ClassVar

from flask_babel import gettext as _

from examsys.bank.models import QuestionType
from examsys.errors import ValidationFailed

LETTERS = "ABCDEFGH"
Errors = dict[str, list[str]]


def fold(text: str) -> str:
    """Fill-in comparison form: full-width to half-width (NFKC), case and all white space folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


# ---- the answers a type accepts --------------------------------------------------------------------
# Each rule is said once and read two ways: `accept`, the Python check that turns what a browser sent into
# the stored answer (or refuses it), and `sql`, the same rule as a PostgreSQL predicate over an answer
# already in its stored form (JSONB `r`) and the paper's item (JSONB `item`: its type "t" and letters "o"),
# which the exam room's one-statement save applies (exams.saving). tests/test_answer_rules.py and
# tests/test_exams_pg.py hold the two readings to each other on every type.

class AnswerRule:
    def accept(self, raw: Any, letters: list[str] | None) -> Any:
        raise NotImplementedError

    def sql(self, r: str, item: str) -> str:
        raise NotImplementedError


class OneLetter(AnswerRule):
    """One of the item's option letters."""

    def accept(self, raw, letters):
        if not isinstance(raw, str) or raw not in (letters or []):
            raise ValidationFailed(_("Not one of the options."))
        return raw

    def sql(self, r, item):
        return f"jsonb_typeof({r}) = 'string' AND ({item} -> 'o') ? ({r} #>> '{{}}')"


class LetterSet(AnswerRule):
    """A set of the item's option letters (one letter alone counts as a set of one), stored sorted."""

    def accept(self, raw, letters):
        values = raw if isinstance(raw, list) else [raw]
        if any(not isinstance(v, str) or v not in (letters or []) for v in values):
            raise ValidationFailed(_("Not one of the options."))
        return sorted(set(values))

    def sql(self, r, item):
        return f"jsonb_typeof({r}) = 'array' AND jsonb_array_length({r}) > 0 AND ({item} -> 'o') @> {r}"


class Boolean(AnswerRule):
    """True or false (as JSON or as the words)."""

    def accept(self, raw, letters):
        if raw in (True, "true"):
            return True
        if raw in (False, "false"):
            return False
        raise ValidationFailed(_("Answer true or false."))

    def sql(self, r, item):
        return f"jsonb_typeof({r}) = 'boolean'"


class Text(AnswerRule):
    """Text of at most `limit` characters."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def accept(self, raw, letters):
        if not isinstance(raw, str):
            raise ValidationFailed(_("Write text."))
        if len(raw) > self.limit:
            raise ValidationFailed(_("At most %(n)d characters.", n=self.limit))
        return raw

    def sql(self, r, item):
        return f"jsonb_typeof({r}) = 'string' AND length({r} #>> '{{}}') <= {int(self.limit)}"


def is_blank(raw: Any) -> bool:
    """No answer: what every type accepts, stored as null."""
    return raw is None or raw == "" or raw == []


class QuestionKind:
    """Base of the type classes. `answer` is the rule of the answers it accepts; `score` returns the points
    earned, or None when a person must grade."""

    type: ClassVar[QuestionType]
    has_options: ClassVar[bool] = False
    template: ClassVar[str]
    answer: ClassVar[AnswerRule]

    def accept(self, raw: Any, letters: list[str] | None) -> Any:
        """What a browser sent, as this type stores it: blank as None; anything malformed is refused
        (ValidationFailed, said to the candidate)."""
        return None if is_blank(raw) else self.answer.accept(raw, letters)

    def keeps(self, stored: Any, letters: list[str] | None) -> bool:
        """Whether an answer already in a stored form is kept as it is: `accept` leaves it unchanged (the
        test `accepted_sql` makes in the database, said in Python)."""
        try:
            kept = self.accept(stored, letters)
        except ValidationFailed:
            return False
        return kept == stored and type(kept) is type(stored)

    def validate(self, content: dict[str, Any]) -> Errors:
        return {}

    def score(self, content: dict[str, Any], response: Any, points: Decimal, *, partial: bool = False) -> Decimal | None:
        raise NotImplementedError

    def is_empty(self, response: Any) -> bool:
        return response is None or response == "" or response == []

    def summary(self, content: dict[str, Any], responses: list[Any]) -> dict[str, int]:
        """How often each answer was given (empty answers under "")."""
        counts: Counter[str] = Counter()
        for response in responses:
            if self.is_empty(response):
                counts[""] += 1
            elif isinstance(response, list):
                counts.update(str(r) for r in response)
            else:
                counts[str(response)] += 1
        return dict(counts)

    def key_text(self, content: dict[str, Any]) -> str:
        return str(content.get("answer"))


class _Choice(QuestionKind):
    has_options = True
    template = "bank/types/_choice.html"

    def validate(self, content: dict[str, Any]) -> Errors:
        errors: Errors = {}
        options = content.get("options")
        if not isinstance(options, dict) or not 2 <= len(options) <= 8:
            return {"options": [_("Give 2 to 8 options.")]}
        if list(options) != list(LETTERS[: len(options)]):
            errors["options"] = [_("Options are lettered A, B, C … in order, without gaps.")]
        texts = [str(v).strip() for v in options.values()]
        if any(not t for t in texts):
            errors.setdefault("options", []).append(_("An option is empty."))
        if len(set(texts)) != len(texts):
            errors.setdefault("options", []).append(_("Two options are the same."))
        return errors


class SingleChoice(_Choice):
    type = QuestionType.SINGLE_CHOICE
    answer = OneLetter()

    def validate(self, content: dict[str, Any]) -> Errors:
        errors = super().validate(content)
        if not isinstance(content.get("answer"), str) or content["answer"] not in (content.get("options") or {}):
            errors["answer"] = [_("The key is one of the option letters.")]
        return errors

    def score(self, content, response, points, *, partial=False):
        return points if response == content["answer"] else Decimal(0)


class MultipleChoice(_Choice):
    type = QuestionType.MULTIPLE_CHOICE
    answer = LetterSet()

    def validate(self, content: dict[str, Any]) -> Errors:
        errors = super().validate(content)
        answer, options = content.get("answer"), content.get("options") or {}
        if not isinstance(answer, list) or len(answer) < 2 or len(set(answer)) != len(answer) or any(a not in options for a in answer):
            errors["answer"] = [_("The key is a list of two or more different option letters.")]
        elif len(answer) == len(options):
            errors["answer"] = [_("At least one option must be wrong.")]
        return errors

    def score(self, content, response, points, *, partial=False):
        """All or nothing by default. With partial credit: any wrong choice scores 0, otherwise each
        right choice earns its share of the points."""
        chosen = set(response or [])
        key = set(content["answer"])
        if chosen == key:
            return points
        if not partial or not chosen or chosen - key:
            return Decimal(0)
        return (points * len(chosen) / len(key)).quantize(Decimal("0.01"))

    def key_text(self, content):
        return "".join(content["answer"])


class TrueFalse(QuestionKind):
    type = QuestionType.TRUE_FALSE
    template = "bank/types/_true_false.html"
    answer = Boolean()

    def validate(self, content: dict[str, Any]) -> Errors:
        errors: Errors = {}
        if content.get("options"):
            errors["options"] = [_("A true/false question has no options.")]
        if not isinstance(content.get("answer"), bool):
            errors["answer"] = [_("The key is true or false.")]
        return errors

    def score(self, content, response, points, *, partial=False):
        return points if isinstance(response, bool) and response is content["answer"] else Decimal(0)

    def key_text(self, content):
        return _("True") if content["answer"] else _("False")


class FillIn(QuestionKind):
    type = QuestionType.FILL_IN
    template = "bank/types/_fill_in.html"
    answer = Text(200)

    def validate(self, content: dict[str, Any]) -> Errors:
        errors: Errors = {}
        if "____" not in str(content.get("stem", "")):
            errors["stem"] = [_("Mark the blank in the question with ____ (four underscores).")]
        answer = content.get("answer")
        if not isinstance(answer, list) or not answer or any(not isinstance(a, str) or not fold(a) for a in answer):
            errors["answer"] = [_("Give one or more accepted answers.")]
        return errors

    def score(self, content, response, points, *, partial=False):
        if not isinstance(response, str) or not fold(response):
            return Decimal(0)
        # the accepted answers of the Mongolian text count as well: a candidate of the Mongolian paper writes in Mongolian
        accepted = list(content["answer"]) + list((content.get("content_mn") or {}).get("answer") or [])
        return points if fold(response) in {fold(a) for a in accepted} else Decimal(0)

    def summary(self, content, responses):
        return super().summary(content, [fold(r) if isinstance(r, str) else r for r in responses])

    def key_text(self, content):
        return " / ".join(content["answer"])


class CaseAnalysis(QuestionKind):
    type = QuestionType.CASE_ANALYSIS
    template = "bank/types/_case.html"
    answer = Text(10_000)

    def validate(self, content: dict[str, Any]) -> Errors:
        errors: Errors = {}
        if content.get("answer") not in (None, "", []):
            errors["answer"] = [_("A case analysis has no key; give a rubric and a reference answer.")]
        rubric = content.get("rubric")
        if not isinstance(rubric, list) or not rubric:
            errors["rubric"] = [_("Give the rubric: criteria with their points.")]
        else:
            try:
                total = sum(Decimal(str(item["points"])) for item in rubric)
                if any(not str(item.get("criterion", "")).strip() for item in rubric):
                    errors["rubric"] = [_("Every rubric line needs a criterion.")]
                elif content.get("points") is not None and total != Decimal(str(content["points"])):
                    errors["rubric"] = [_("The rubric adds up to %(total)s, the question is worth %(points)s.", total=total, points=content["points"])]
            except (KeyError, TypeError, ArithmeticError, ValueError):
                errors["rubric"] = [_("Every rubric line needs points and a criterion.")]
        if not str(content.get("reference_answer") or "").strip():
            errors["reference_answer"] = [_("Give a reference answer for the graders.")]
        return errors

    def score(self, content, response, points, *, partial=False):
        return None  # graded by a person against the rubric

    def key_text(self, content):
        return content.get("reference_answer") or ""


REGISTRY: dict[QuestionType, QuestionKind] = {kind.type: kind for kind in (SingleChoice(), MultipleChoice(), TrueFalse(), FillIn(), CaseAnalysis())}


def kind_of(question_type: QuestionType | str) -> QuestionKind:
    return REGISTRY[QuestionType(question_type)]


def accepted_sql(r: str, item: str) -> str:
    """The PostgreSQL predicate "the item keeps the answer `r` as it is": blank, or what its type's
    answer rule accepts (every type of the registry; an unknown type keeps nothing)."""
    cases = "".join(f" WHEN {item} ->> 't' = '{kind.type.value}' THEN {kind.answer.sql(r, item)}" for kind in REGISTRY.values())
    return f"CASE WHEN jsonb_typeof({r}) = 'null' THEN TRUE{cases} ELSE FALSE END"
