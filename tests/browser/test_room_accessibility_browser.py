"""In a real browser, the exam room by keyboard and at the reader's font size (WCAG 2.1 AA): the skip link
lands on the question, navigator states are marks and words as well as colours, the focus ring stands out
at 3:1, and text follows the browser's font size."""
import re
from pathlib import Path

from examsys.exams.models import Attempt
from tests.browser.room_steps import login
from tests.factories import PASSWORD

CSS = Path(__file__).resolve().parents[2] / "examsys" / "static" / "css" / "app.css"

CONTRAST = """(el) => {
  function rgb(text) { return text.match(/[\\d.]+/g).slice(0, 3).map(Number); }
  function lum(c) { var v = c.map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; }
  var ring = getComputedStyle(el).outlineColor;
  var node = el.parentElement, behind = "rgb(255, 255, 255)";
  while (node) { var bg = getComputedStyle(node).backgroundColor;
    if (bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") { behind = bg; break; } node = node.parentElement; }
  var a = lum(rgb(ring)), b = lum(rgb(behind));
  return { style: getComputedStyle(el).outlineStyle, width: getComputedStyle(el).outlineWidth,
           ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
}"""


def _start(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "candidate", PASSWORD)
    page.goto(live_server + "/exams/")
    page.click("text=Go to the exam")
    page.click("text=Start the exam")
    page.wait_for_url("**/q/1")


def test_skip_to_content_lands_on_the_question(db, exam, live_server, page):
    _start(page, live_server)
    page.click("button[value=next]")
    page.wait_for_url("**/q/2")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.name, document.activeElement.type]")
    assert focused[0] == "answer"  # the first option, two Tabs and an Enter from the top of the page
    page.keyboard.press("Space")
    page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
    assert page.locator("input[name=answer]:checked").count() == 1


def test_the_navigator_says_answered_and_flagged_in_marks_and_words(db, exam, live_server, page, tmp_path):
    _start(page, live_server)
    page.check("input[name=answer] >> nth=0")
    page.check("input[name=flagged]")
    page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
    link = page.get_by_role("link", name="Question 1, answered, flagged", exact=True)  # said by the script at once
    assert link.count() == 1
    page.click("button[value=next]")
    page.wait_for_url("**/q/2")
    link = page.get_by_role("link", name="Question 1, answered, flagged", exact=True)  # and by the server
    marks = link.evaluate("(el) => getComputedStyle(el, '::before').content + getComputedStyle(el, '::after').content")
    assert "⚑" in marks and "✓" in marks
    assert page.get_by_role("link", name="Question 2, not answered", exact=True).count() == 1
    assert page.get_by_role("link", name="Question 3, not answered", exact=True).evaluate(
        "(el) => getComputedStyle(el, '::after').content") == "none"
    assert "✓ answered · ⚑ flagged" in page.locator(".navigator").inner_text()
    page.locator(".navigator").screenshot(path=str(tmp_path / "navigator.png"))


def test_the_focus_ring_has_three_to_one_contrast_on_the_page_and_in_the_header(db, exam, live_server, page):
    _start(page, live_server)
    for selector in ("input[name=answer] >> nth=0", ".navigator a.current", "a.button >> text='Hand in…'"):
        page.focus(selector)
        ring = page.locator(selector).evaluate(CONTRAST)
        assert ring["style"] != "none" and ring["width"] == "3px", (selector, ring)
        assert ring["ratio"] >= 3, (selector, ring)
    page.goto(live_server + "/exams/")
    page.focus("header a.brand")
    ring = page.locator("header a.brand").evaluate(CONTRAST)
    assert ring["ratio"] >= 3, ring


def test_text_follows_the_readers_font_size(db, exam, live_server, page):
    assert not re.findall(r"font-size:\s*[\d.]+px", CSS.read_text(encoding="utf-8"))
    _start(page, live_server)
    sizes = page.evaluate("""() => {
      document.documentElement.style.fontSize = "24px";  // the reader's browser set to a larger font
      var out = [getComputedStyle(document.body).fontSize, getComputedStyle(document.querySelector(".stem")).fontSize];
      document.documentElement.style.fontSize = "";
      return out; }""")
    assert sizes[0] == "24px"
    assert float(sizes[1][:-2]) > 24  # the question's stem stays larger than the body text
    db.expire_all()
    assert db.query(Attempt).filter_by(person_id=exam["officer"].id).one().departures == 0
