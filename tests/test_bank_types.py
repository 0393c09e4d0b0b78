"""Each question type scores right, wrong, partial and empty answers as documented."""
from decimal import Decimal

import pytest

from examsys.bank.types import fold, kind_of

TWO = Decimal(2)
SINGLE = {"type": "single_choice", "options": {"A": "一年", "B": "二年", "C": "三年"}, "answer": "B"}
MULTI = {"type": "multiple_choice", "options": {"A": "a", "B": "b", "C": "c", "D": "d"}, "answer": ["A", "C", "D"]}
TF = {"type": "true_false", "answer": False}
FILL = {"type": "fill_in", "stem": "期限为____日", "answer": ["七", "7"]}
CASE = {"type": "case_analysis", "stem": "案情", "answer": None, "rubric": [{"points": "4", "criterion": "x"}, {"points": "6", "criterion": "y"}],
        "reference_answer": "参考", "points": "10"}


@pytest.mark.parametrize(("content", "response", "expected"), [
    (SINGLE, "B", TWO), (SINGLE, "A", 0), (SINGLE, None, 0), (SINGLE, "", 0),
    (TF, False, TWO), (TF, True, 0), (TF, None, 0), (TF, "false", 0),
    (FILL, "7", TWO), (FILL, "　７ ", TWO), (FILL, "七", TWO), (FILL, "八", 0), (FILL, "", 0), (FILL, None, 0),
])
def test_objective_types(content, response, expected):
    assert kind_of(content["type"]).score(content, response, TWO) == expected


def test_multiple_choice_is_all_or_nothing_by_default():
    kind = kind_of("multiple_choice")
    assert kind.score(MULTI, ["D", "A", "C"], TWO) == TWO
    assert kind.score(MULTI, ["A", "C"], TWO) == 0
    assert kind.score(MULTI, ["A", "B", "C", "D"], TWO) == 0
    assert kind.score(MULTI, [], TWO) == 0


def test_multiple_choice_partial_credit_gives_a_share_unless_a_wrong_option_is_chosen():
    kind = kind_of("multiple_choice")
    assert kind.score(MULTI, ["A", "C"], Decimal(3), partial=True) == Decimal("2.00")
    assert kind.score(MULTI, ["A", "B"], Decimal(3), partial=True) == 0
    assert kind.score(MULTI, ["A", "C", "D"], Decimal(3), partial=True) == Decimal(3)
    assert kind.score(MULTI, None, Decimal(3), partial=True) == 0


def test_case_analysis_waits_for_a_grader():
    assert kind_of("case_analysis").score(CASE, "我的分析", Decimal(10)) is None


def test_fold_handles_full_width_case_and_spaces():
    assert fold(" ＡＢｃ　1 ") == fold("abc1")


@pytest.mark.parametrize(("content", "field"), [
    ({"type": "single_choice", "options": {"A": "x", "C": "y"}, "answer": "A"}, "options"),
    ({"type": "single_choice", "options": {"A": "x", "B": "x"}, "answer": "A"}, "options"),
    ({"type": "single_choice", "options": {"A": "x", "B": "y"}, "answer": "C"}, "answer"),
    ({"type": "multiple_choice", "options": {"A": "x", "B": "y", "C": "z"}, "answer": ["A"]}, "answer"),
    ({"type": "multiple_choice", "options": {"A": "x", "B": "y"}, "answer": ["A", "B"]}, "answer"),
    ({"type": "true_false", "answer": "yes"}, "answer"),
    ({"type": "fill_in", "stem": "no blank", "answer": ["x"]}, "stem"),
    (dict(CASE, points="12"), "rubric"),
    (dict(CASE, reference_answer=""), "reference_answer"),
])
def test_validation_names_the_field(content, field):
    assert field in kind_of(content["type"]).validate(content)


def test_summary_counts_answers():
    summary = kind_of("multiple_choice").summary(MULTI, [["A", "C"], ["A"], None])
    assert summary == {"A": 2, "C": 1, "": 1}
