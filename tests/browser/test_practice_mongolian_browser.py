"""Practice in Mongolian on a 390 × 844 phone (issue 21): an officer whose interface is Mongolian opens practice,
answers one question set vertically, reads the feedback with the Mongolian explanation, and finds the question in
the wrong-answer book in Mongolian; no page scrolls sideways. Screenshots under the test's temporary folder (or
EXAMSYS_SHOTS)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.room_steps import login
from tests.browser.test_axe_crawl import _violations
from tests.factories import PASSWORD
from tests.test_practice_mongolian import MN_EXPLANATION, make_mn_bank

PHONE = {"width": 390, "height": 844}
MONGOLIAN = re.compile("[\u1800-\u18af]")
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
WRITING_MODE = "e => getComputedStyle(e).writingMode"


def _officer_in_mongolian(db, bank, tab, live_server, tmp_path) -> Path:
    """The bank's officer, their account set to Mongolian, logged in on the tab; returns the screenshots' folder."""
    bank["officer"].locale = "mn_Mong_CN"
    db.commit()
    shots = Path(os.environ.get("EXAMSYS_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    login(tab, live_server, "wuyun", PASSWORD)
    return shots


@pytest.mark.parametrize("zh_page", [PHONE], indirect=True)  # the account's language wins over the browser's
def test_an_officer_practises_one_question_in_mongolian_on_a_phone(db, tree, zh_page, live_server, tmp_path):
    bank = make_mn_bank(db, tree)
    shots = _officer_in_mongolian(db, bank, zh_page, live_server, tmp_path)
    tab = zh_page
    tab.goto(live_server + "/practice/")
    assert tab.evaluate("document.documentElement.lang") == "mn-Mong-CN"
    assert tab.locator(".practice-language a.current .mong").inner_text() == "ᠮᠣᠩᠭᠣᠯ"
    assert tab.evaluate(OVERFLOW) <= 0, "practice scrolls sideways"
    tab.screenshot(path=str(shots / "practice-mn.png"), full_page=True)

    tab.locator(".tiles a.tile").first.click()  # all laws
    tab.wait_for_load_state()
    stem = tab.locator("form.mn-paper .question-body .stem")
    asked = stem.inner_text()
    assert MONGOLIAN.search(asked) and stem.evaluate(WRITING_MODE) == "vertical-lr"
    assert tab.evaluate(OVERFLOW) <= 0, "the question scrolls sideways"
    assert not _violations(tab)
    tab.screenshot(path=str(shots / "practice-mn-question.png"), full_page=True)
    if tab.locator("input[name=answer][type=text]").count():  # the fill-in, answered wrongly in Mongolian
        tab.fill("input[name=answer]", "ᠬᠣᠶᠠᠷ")
    else:
        tab.locator("input[name=answer][value=A]").check()  # every key is B: a wrong answer, for the book
    tab.locator("form.question-card button[type=submit]").click()
    tab.wait_for_load_state()

    feedback = tab.locator(".feedback.wrong")
    assert feedback.is_visible() and feedback.locator("strong .mong").inner_text() == "ᠪᠤᠷᠤᠭᠤ᠃"
    explanation = feedback.locator(".mn-explanation")
    assert explanation.inner_text() == MN_EXPLANATION and explanation.evaluate(WRITING_MODE) == "vertical-lr"
    assert tab.locator("form.mn-paper .question-body input:checked, form.mn-paper input[type=text][disabled]").count() == 1
    box = tab.locator("a.button.primary").bounding_box()  # the next question is within reach, not off to the side
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert tab.evaluate(OVERFLOW) <= 0, "the feedback scrolls sideways"
    tab.screenshot(path=str(shots / "practice-mn-feedback.png"), full_page=True)

    tab.goto(live_server + "/practice/wrong")
    entry = tab.locator(".wrong-book .mn-stem")  # the question as it was answered: in Mongolian, vertically
    assert entry.count() == 1 and entry.inner_text().strip() == asked.strip() and entry.evaluate(WRITING_MODE) == "vertical-lr"
    assert tab.evaluate(OVERFLOW) <= 0, "the wrong-answer book scrolls sideways"
    tab.screenshot(path=str(shots / "practice-mn-wrong-book.png"), full_page=True)


@pytest.mark.parametrize("zh_page", [PHONE], indirect=True)  # the account's language wins over the browser's
def test_the_fill_in_answer_box_is_vertical_on_a_phone(db, tree, zh_page, live_server, tmp_path):
    """A fill-in in Mongolian on a 390 px phone: the answer box is written vertically, as typed Mongolian reads (it lay
    sideways in a horizontal box), stands inside the screen and takes the answer."""
    from examsys.bank.models import QuestionType, QuestionVersion

    bank = make_mn_bank(db, tree)
    for version in db.query(QuestionVersion).filter(QuestionVersion.type != QuestionType.FILL_IN):
        version.mn_reviewed_at = None  # only the fill-in is left to practise in Mongolian
    shots = _officer_in_mongolian(db, bank, zh_page, live_server, tmp_path)
    tab = zh_page
    tab.goto(live_server + "/practice/question?language=mn")
    box = tab.locator("form.mn-paper .question-body input[name=answer][type=text]")
    assert box.evaluate(WRITING_MODE) == "vertical-lr"
    size = box.bounding_box()
    assert size["height"] > 2 * size["width"], size  # a column, not a line
    assert size["x"] >= 0 and size["x"] + size["width"] <= PHONE["width"]
    box.fill("ᠵᠠᠬᠢᠷᠭᠠ")
    assert tab.evaluate(OVERFLOW) <= 0, "the fill-in scrolls sideways"
    assert not _violations(tab)
    tab.screenshot(path=str(shots / "practice-mn-fill-in.png"), full_page=True)
    tab.locator("form.question-card button[type=submit]").click()
    tab.wait_for_load_state()
    assert tab.locator(".feedback.right").is_visible()
    answered = tab.locator("form.mn-paper input[type=text][disabled]")
    assert answered.input_value() == "ᠵᠠᠬᠢᠷᠭᠠ" and answered.evaluate(WRITING_MODE) == "vertical-lr"
    assert tab.evaluate(OVERFLOW) <= 0, "the feedback scrolls sideways"
    tab.screenshot(path=str(shots / "practice-mn-fill-in-feedback.png"), full_page=True)
