"""The question types, one class each in a registry: how a type checks its content, shows itself to a
candidate, scores an answer and summarises the answers given."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from decimal import Decimal
from typing import Any, ClassVar

from flask_babel import gettext as _

from examsys.bank.models import QuestionType

LETTERS = "ABCDEFGH"
Errors = dict[str, list[str]]


def fold(text: str) -> str:
    """Fill-in comparison form: full-width to half-width (NFKC), case and all white space folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


class QuestionKind:
    """Base of the type classes. `score` returns the points earned, or None when a person must grade."""

    type: ClassVar[QuestionType]
    has_options: ClassVar[bool] = False
    template: ClassVar[str]

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

    def validate(self, content: dict[str, Any]) -> Errors:
        errors = super().validate(content)
        if not isinstance(content.get("answer"), str) or content["answer"] not in (content.get("options") or {}):
            errors["answer"] = [_("The key is one of the option letters.")]
        return errors

    def score(self, content, response, points, *, partial=False):
        return points if response == content["answer"] else Decimal(0)


class MultipleChoice(_Choice):
    type = QuestionType.MULTIPLE_CHOICE

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
        return points if fold(response) in {fold(a) for a in content["answer"]} else Decimal(0)

    def summary(self, content, responses):
        return super().summary(content, [fold(r) if isinstance(r, str) else r for r in responses])

    def key_text(self, content):
        return " / ".join(content["answer"])


class CaseAnalysis(QuestionKind):
    type = QuestionType.CASE_ANALYSIS
    template = "bank/types/_case.html"

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
