"""In a real browser: an exam administrator adds a Mongolian text to a question in the editor (the fields written
vertically, one Mongolian option appearing for each Chinese one, the preview in vertical script), sees it on the
question's page awaiting review, and a second exam administrator reviews it. Screenshots of the editor and the page,
in English and Chinese, go under the test's temporary folder (or EXAMSYS_SHOTS)."""
from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from examsys.auth.models import Role
from examsys.bank import services
from examsys.bank.models import BankPart, Question
from tests.browser.room_steps import login
from tests.factories import PASSWORD, make_user

MN_STEM = "ᠬᠠᠤᠯᠢ ᠪᠤᠰᠤ ᠦᠢᠯᠡ ᠶᠠᠪᠤᠳᠠᠯ ᠢ ᠬᠡᠳᠦᠨ ᠵᠢᠯ ᠦᠨ ᠳᠣᠲᠣᠷ᠎ᠠ ᠢᠯᠡᠷᠡᠭᠦᠯᠦᠭᠰᠡᠨ ᠦᠭᠡᠢ ᠪᠣᠯ ᠵᠠᠬᠢᠷᠭᠠᠨ ᠤ ᠱᠡᠢᠳᠬᠡᠯ ᠦᠭᠬᠦ ᠦᠭᠡᠢ ᠪᠤᠢ?"
MN_OPTIONS = {"A": "ᠨᠢᠭᠡ ᠵᠢᠯ", "B": "ᠬᠣᠶᠠᠷ ᠵᠢᠯ", "C": "ᠭᠤᠷᠪᠠ ᠵᠢᠯ"}
LAW = "中华人民共和国行政处罚法"


def _vertical(locator) -> bool:
    return locator.evaluate("e => getComputedStyle(e).writingMode") == "vertical-lr"


def test_an_exam_admin_adds_a_mongolian_text_and_a_second_one_reviews_it(db, tree, live_server, page, zh_page, tmp_path):
    author = make_user(db, "author", tree.region, Role.EXAM_ADMIN)
    checker = make_user(db, "checker", tree.region, Role.EXAM_ADMIN)
    question = services.create_question(db, author, org_id=tree.region.id, part=BankPart.COMMON, domain_id=None, raw={
        "ref": "MN-EDIT-1", "type": "single_choice", "stem": "违法行为在几年内未被发现的，一般不再给予行政处罚？",
        "options": {"A": "一年", "B": "二年"}, "answer": "B", "law": LAW, "article": "第三十六条第一款", "difficulty": 1,
        "explanation": "第三十六条第一款。", "mn": None})
    for action in ("review", "activate"):  # an active question: the Mongolian text comes as version 2
        services.change_status(db, checker, question.latest.id, action)
    db.commit()
    shots = Path(os.environ.get("EXAMSYS_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)

    # The writer opens the editor: a Mongolian field for each of the two Chinese options, written vertically.
    login(page, live_server, "author", PASSWORD)
    page.goto(f"{live_server}/bank/{question.id}/edit")
    assert page.locator("#mn_option_A").is_visible() and page.locator("#mn_option_B").is_visible()
    assert not page.locator("#mn_option_C").is_visible()
    assert _vertical(page.locator("#mn_stem")) and _vertical(page.locator("#mn_option_A"))
    assert page.locator("#mn_stem").get_attribute("lang") == "mn-Mong"
    page.fill("#option_C", "三年")  # a third Chinese option: its Mongolian field appears
    page.locator("#mn_option_C").wait_for(state="visible")
    page.fill("#mn_stem", MN_STEM)
    for letter, text in MN_OPTIONS.items():
        page.fill(f"#mn_option_{letter}", text)
    page.fill("#mn_explanation", "ᠲᠠᠶᠢᠯᠪᠤᠷᠢ")
    page.fill("#change_note", "蒙古文文本")
    preview = page.locator("[data-preview-target] .mn-preview .question-body")
    preview.locator("text=" + MN_OPTIONS["C"]).wait_for()  # the live preview follows, in the Mongolian paper's vertical lines
    # the preview is replaced as each field's answer comes back: wait for the last one, then look at it
    expect(page.locator("[data-preview-target] .mn-preview legend.stem")).to_have_text(MN_STEM)
    expect(preview).to_have_css("writing-mode", "vertical-lr")
    page.locator("#mongolian-text").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "editor-en.png"), full_page=True)
    page.fill("#mn_option_B", "ᠬᠣᠶᠠᠷ two")  # Latin in the Mongolian text: refused at the field, nothing saved
    page.click("button[name=intent][value=save]")
    page.locator("#mn_option_B-error").wait_for()
    assert "these characters are not: o (U+006F), t (U+0074), w (U+0077)" in page.locator("#mn_option_B-error").inner_text()
    page.locator("#mn_option_B-error").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "editor-error-en.png"), full_page=True)
    assert page.locator("#mn_stem").input_value() == MN_STEM  # what was typed is kept
    page.fill("#mn_option_B", MN_OPTIONS["B"])
    page.click("button[name=intent][value=save]")
    page.wait_for_url(f"**/bank/{question.id}")
    main = page.locator("main").inner_text()
    assert "Its Mongolian text awaits review by another exam administrator who reads Mongolian." in main
    section = page.locator("#mongolian")
    assert MN_STEM in section.inner_text() and "Not yet reviewed" in section.inner_text()
    assert _vertical(section.locator(".mn-vertical").first)
    assert section.locator("button:has-text('Mark the Mongolian text reviewed')").count() == 0  # the writer never reviews
    assert "another exam administrator who reads Mongolian reviews its Mongolian text" in section.inner_text()
    page.screenshot(path=str(shots / "detail-awaiting-en.png"), full_page=True)

    # A second exam administrator, whose browser reads Chinese, reviews it.
    zh_page.on("dialog", lambda dialog: dialog.accept())
    login(zh_page, live_server, "checker", PASSWORD)
    zh_page.goto(f"{live_server}/bank/{question.id}")
    zh_section = zh_page.locator("#mongolian")
    assert "尚未审核" in zh_section.inner_text()
    zh_page.screenshot(path=str(shots / "detail-awaiting-zh.png"), full_page=True)
    zh_page.goto(f"{live_server}/bank/{question.id}/edit")
    assert zh_page.locator("#mn_stem").input_value() == MN_STEM and "蒙古文文本（可不填）" in zh_page.locator("main").inner_text()
    zh_page.locator("#mongolian-text").scroll_into_view_if_needed()
    zh_page.screenshot(path=str(shots / "editor-zh.png"), full_page=True)
    zh_page.goto(f"{live_server}/bank/{question.id}")
    zh_section.locator("button:has-text('标记蒙古文文本已审核')").click()
    zh_page.wait_for_load_state()
    assert "由Checker于" in zh_page.locator("#mongolian").inner_text() and "尚未审核" not in zh_page.locator("#mongolian").inner_text()
    assert zh_page.locator("#mongolian button").count() == 0
    zh_page.screenshot(path=str(shots / "detail-reviewed-zh.png"), full_page=True)
    page.reload()
    assert "Reviewed by Checker on" in page.locator("#mongolian").inner_text()
    page.screenshot(path=str(shots / "detail-reviewed-en.png"), full_page=True)

    db.expire_all()
    latest = db.query(Question).one().latest
    assert latest.number == 2 and latest.content_mn["options"] == MN_OPTIONS and latest.mn_reviewed_by_id == checker.id
