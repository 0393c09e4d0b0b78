"""The exam room in the Mongolian interface on a 390 × 844 phone: an officer whose account reads Mongolian starts the
exam (the Mongolian paper), answers a question, sees the save confirmed in Mongolian (vertical, the time beside it),
goes on and back, finds the timer ticking, reaches the hand-in page and hands in; no page scrolls sideways and the
buttons stay on the screen. Screenshots under the test's temporary folder (or EXAMSYS_SHOTS)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from examsys.exams.models import Attempt, AttemptStatus
from examsys.exams.plans import open_plan
from tests.browser.room_steps import login
from tests.factories import PASSWORD
from tests.test_mongolian import _catalog
from tests.test_mongolian_paper import _mongolian_exam

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
WRITING_MODE = "e => getComputedStyle(e).writingMode"


def _on_screen(tab, selector: str) -> None:
    box = tab.locator(selector).bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)


@pytest.mark.parametrize("zh_page", [PHONE], indirect=True)  # the account's language wins over the browser's
def test_an_officer_sits_the_exam_in_the_mongolian_interface_on_a_phone(db, tree, zh_page, live_server, tmp_path):
    from playwright.sync_api import expect

    admin, plan, officer, candidate = _mongolian_exam(db, tree)
    open_plan(db, admin, plan.id)
    candidate.locale = "mn_Mong_CN"
    db.commit()
    mn = _catalog()
    shots = Path(os.environ.get("EXAMSYS_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    tab = zh_page
    tab.on("dialog", lambda dialog: dialog.accept())

    def shot(name: str) -> None:
        assert tab.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways"
        tab.screenshot(path=str(shots / f"room-mn-{name}.png"), full_page=True)

    login(tab, live_server, "candidate", PASSWORD)
    tab.goto(live_server + "/exams/")
    tab.locator(".exam-cards .card a.button.primary").click()
    tab.wait_for_load_state()
    assert tab.evaluate("document.documentElement.lang") == "mn-Mong-CN"
    assert tab.locator("h2 .mong").inner_text() == mn["Rules"]
    tab.check("input[name=language][value=mn]")
    start = tab.locator("form.paper-language button.primary")
    assert start.locator(".mong").inner_text() == mn["Start the exam"]
    shot("start")
    start.click()
    tab.wait_for_url("**/q/1")

    # the bar: the timer's label vertical beside its ticking number
    label = tab.locator(".timer > .mong")
    assert label.inner_text() == mn["Time left:"] and label.evaluate(WRITING_MODE) == "vertical-lr"
    timer = tab.locator("[data-timer]")
    expect(timer).to_have_text(re.compile(r"^\d+:\d\d$"))  # the script's clock has taken over
    expect(timer).not_to_have_text(timer.inner_text(), timeout=5000)  # and ticks
    counter = tab.locator("#question > p.muted > .mong").first
    assert counter.inner_text() == mn["Question %(n)d of %(total)d"] % {"n": 1, "total": plan_total(db, officer)}
    assert counter.evaluate(WRITING_MODE) == "vertical-lr"
    for selector in ("button[value=next]", "a.button[href$='/submit']"):
        _on_screen(tab, selector)
        assert tab.locator(selector + " .mong").evaluate(WRITING_MODE) == "vertical-lr"
    shot("question-1")

    # an answer, saved: said in Mongolian, vertically, with the time beside it
    tab.locator("input[name=answer]").first.check()
    words = tab.locator("[data-save-state] [data-say]")
    expect(words).to_have_text(mn["Saved"])
    assert words.evaluate(WRITING_MODE) == "vertical-lr" and words.get_attribute("lang") == "mn-Mong"
    assert re.search(r"\d", tab.locator("[data-save-state] [data-say-time]").inner_text())
    assert "answered" in (tab.locator("[data-nav-position='0']").get_attribute("class") or "")
    assert tab.locator("[data-nav-position='0']").get_attribute("aria-label") == mn["Question %(n)d, answered"] % {"n": 1}
    shot("question-1-saved")

    tab.locator("button[value=next]").click()
    tab.wait_for_url("**/q/2")
    _on_screen(tab, "button[value=prev]")
    assert tab.locator("button[value=prev] .mong").inner_text() == mn["Previous"]
    shot("question-2")
    tab.locator("button[value=prev]").click()
    tab.wait_for_url("**/q/1")
    assert tab.locator("input[name=answer]").first.is_checked()
    assert tab.locator("[data-save-state] [data-say]").inner_text() == mn["Saved"]

    tab.locator("a.button[href$='/submit']").click()
    tab.wait_for_url("**/submit")
    heading = tab.locator("h1.hand-in-title > .mong")
    assert heading.inner_text() == mn["Hand in"] and heading.evaluate(WRITING_MODE) == "vertical-lr"
    hand_in = tab.locator("main form button.primary")
    assert hand_in.locator(".mong").inner_text() == mn["Hand in now"]
    _on_screen(tab, "main form button.primary")
    shot("hand-in")
    hand_in.click()
    tab.wait_for_url("**/result")
    assert tab.locator("main strong .mong").first.evaluate(WRITING_MODE) == "vertical-lr"
    shot("result")
    db.expire_all()
    attempt = db.query(Attempt).filter_by(person_id=officer.id).one()
    assert attempt.status in (AttemptStatus.SUBMITTED, AttemptStatus.GRADED) and attempt.language == "mn"


def plan_total(db, officer) -> int:
    return len(db.query(Attempt).filter_by(person_id=officer.id).one().items)
