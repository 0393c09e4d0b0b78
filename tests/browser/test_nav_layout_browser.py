"""The navigation bar at 1280 px in English and Chinese, and the phone menu: no menu item, user name or language name
breaks over two lines (each is one line high)."""
from __future__ import annotations

import pytest

from tests.demo_fixtures import DEMO_PASSWORD

ONE_LINE = """() => [...document.querySelectorAll('#site-nav a, #site-nav .link-button')]
  .filter(e => e.offsetParent !== null && !e.querySelector('.mong'))  // vertical Mongolian is tall by design
  .map(e => { const r = e.getBoundingClientRect(); const line = parseFloat(getComputedStyle(e).lineHeight) || 1.5 * parseFloat(getComputedStyle(e).fontSize);
              const pad = parseFloat(getComputedStyle(e).paddingTop) + parseFloat(getComputedStyle(e).paddingBottom);
              return [e.innerText.trim(), r.height - pad < 1.6 * line]; })"""


def _login(tab, live_server, who: str) -> None:
    tab.goto(live_server + "/login")
    tab.fill("#identifier", who)
    tab.fill("#password", DEMO_PASSWORD)
    tab.click("button.primary")
    tab.wait_for_load_state()


@pytest.mark.parametrize("who", ["hr", "auditor"])
def test_the_menu_items_stay_on_one_line_in_english_and_chinese(demo, live_server, page, zh_page, who, tmp_path):
    for tab in (page, zh_page):
        _login(tab, live_server, who)
        tab.goto(live_server + "/")
        tab.screenshot(path=str(tmp_path / f"nav-{who}-{'en' if tab is page else 'zh'}.png"))
        broken = [text for text, one_line in tab.evaluate(ONE_LINE) if not one_line]
        assert broken == [], broken


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_the_phone_menu_opens_with_each_item_on_one_line(demo, live_server, page, tmp_path):
    _login(page, live_server, "hr")
    page.click("[data-nav-toggle]")
    assert page.locator("#site-nav").is_visible()
    page.screenshot(path=str(tmp_path / "nav-phone.png"))
    broken = [text for text, one_line in page.evaluate(ONE_LINE) if not one_line]
    assert broken == [], broken
