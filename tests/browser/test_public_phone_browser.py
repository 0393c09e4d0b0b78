"""The public pages on a 390 px phone, in Chinese, with the demo data (issue 14, items 11 and 13): the
register's status is on screen for every officer, nothing scrolls sideways, its table is a named region a
keyboard reaches, and the text is large enough to read."""
from pathlib import Path

import pytest

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(app, runner, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("zh_page", [PHONE], indirect=True)
def test_on_a_phone_every_officers_status_is_on_screen(demo, live_server, zh_page, tmp_path):
    page = zh_page
    page.goto(f"{live_server}/public-register")
    statuses = page.locator("td.register-status")
    assert statuses.count() == 2  # the demo's credential in force and the suspended one
    assert sorted(t.strip() for t in statuses.all_inner_texts()) == ["暂扣", "有效"]
    for index in range(statuses.count()):
        box = statuses.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0  # nothing off to the side
    _shot(page, tmp_path, "register-phone")


@pytest.mark.parametrize("zh_page", [PHONE], indirect=True)
def test_public_text_is_large_enough_to_read(demo, live_server, zh_page):
    page = zh_page
    page.goto(f"{live_server}/public-register")
    sizes = page.evaluate("""() => ({
        body: parseFloat(getComputedStyle(document.body).fontSize),
        smallest: Math.min(...[...document.querySelectorAll('main *')].filter(e => e.childNodes.length && [...e.childNodes]
            .some(n => n.nodeType === 3 && n.textContent.trim())).map(e => parseFloat(getComputedStyle(e).fontSize))),
    })""")
    assert sizes["body"] >= 18 and sizes["smallest"] >= 16, sizes
    assert page.locator(".site-nav a").first.is_visible()  # the header's link is not hidden behind a menu button


def test_a_keyboard_reaches_the_registers_scrolling_table(demo, live_server, zh_page):
    page = zh_page
    page.set_viewport_size({"width": 700, "height": 900})  # wide enough for the table, too narrow for all of it
    page.goto(f"{live_server}/public-register")
    region = page.get_by_role("region", name="公示的执法人员")
    assert region.count() == 1
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "region":
            break
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "公示的执法人员"
    before = region.evaluate("e => e.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth ? e.scrollLeft > 0 : true"), before
