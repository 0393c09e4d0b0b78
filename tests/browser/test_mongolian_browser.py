"""The public pages and the officer's own pages in Mongolian (traditional script) on a 390 px phone, beside
Chinese and English (issue 21, items 3 and 5): the verdict on screen without scrolling, nothing off to the
side, the Mongolian text set vertically in the font the app serves, the switch changes the language. A
screenshot of every page in every language is written under the test's temporary folder."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.room_steps import login
from tests.browser.test_axe_crawl import _violations
from tests.demo_fixtures import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}
LOCALES = {"mn": "mn", "zh": "zh-CN", "en": "en-US"}
HTML_LANG = {"mn": "mn-Mong-CN", "zh": "zh-CN", "en": "en"}
VERDICT_WORDS = {"mn": {"VALID": "ᠬᠦᠴᠦᠨ\u202fᠲᠡᠢ", "SUSPENDED": "ᠲᠦᠷ ᠵᠣᠭᠰᠣᠭᠠᠭᠰᠠᠨ"}, "zh": {"VALID": "有效", "SUSPENDED": "暂扣"},
                 "en": {"VALID": "VALID", "SUSPENDED": "SUSPENDED"}}
# Whether the app's Mongolian face was loaded by the page (not a system font: a fresh machine has none).
FONT_LOADED = """async () => { await document.fonts.ready;
  return [...document.fonts].some(f => f.family.replace(/"/g, '') === 'Noto Sans Mongolian' && f.status === 'loaded'); }"""
VERTICAL = """() => [...document.querySelectorAll('.mong')].every(e => getComputedStyle(e).writingMode === 'vertical-lr')"""
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def demo_tokens(app, runner, tmp_path, db):
    from examsys.credentials.models import Credential, CredentialStatus
    from examsys.credentials.public.verification import token_for

    app.config["KEY_DIR"] = str(tmp_path / "keys")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    credentials = {c.status: c for c in db.scalars(select(Credential))}
    return {"VALID": token_for(credentials[CredentialStatus.ACTIVE]), "SUSPENDED": token_for(credentials[CredentialStatus.SUSPENDED])}


def _tab(browser, language: str):
    context = browser.new_context(viewport=PHONE, locale=LOCALES[language])
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    return context, tab


def _check_phone_page(tab, language: str, shots: Path, name: str) -> None:
    assert tab.evaluate("document.documentElement.lang") == HTML_LANG[language], name
    assert tab.evaluate(OVERFLOW) <= 0, f"{name}: the page scrolls sideways"
    if language == "mn":
        assert tab.evaluate(FONT_LOADED), f"{name}: the Mongolian web font was not loaded"
        assert tab.locator(".mong").count() > 5 and tab.evaluate(VERTICAL), name
        faults = _violations(tab)  # axe-core, as for the Chinese pages (tests/browser/test_axe_crawl.py)
        assert not faults, f"{name}: {faults}"
    tab.screenshot(path=str(shots / f"{name}-{language}.png"), full_page=True)
    tab.screenshot(path=str(shots / f"{name}-{language}-screen.png"))  # what the phone shows before any scrolling


@pytest.mark.parametrize("language", ["mn", "zh", "en"])
def test_the_verify_page_and_the_register_on_a_phone(browser, live_server, demo_tokens, tmp_path, language):
    shots = tmp_path / "shots"
    shots.mkdir()
    context, tab = _tab(browser, language)
    try:
        for verdict, token in demo_tokens.items():
            tab.goto(f"{live_server}/V/{token}")
            word = tab.locator(".verdict-word")
            assert word.get_attribute("data-verdict") == verdict
            assert VERDICT_WORDS[language][verdict] in word.inner_text()
            if language == "mn":
                assert {"VALID": "有效", "SUSPENDED": "暂扣"}[verdict] in word.inner_text()  # both scripts, Mongolian first
                mongolian, chinese = word.locator(".mong").bounding_box(), word.locator("[lang=zh-CN]").bounding_box()
                assert mongolian["x"] < chinese["x"]
            box = tab.locator(".verdict").bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], f"the verdict is not on screen: {box}"
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            _check_phone_page(tab, language, shots, f"verify-{verdict.lower()}")
        tab.goto(f"{live_server}/public-register")
        statuses = tab.locator("td.register-status")
        assert statuses.count() == 2
        for index in range(statuses.count()):
            status = statuses.nth(index).bounding_box()
            assert status["x"] >= 0 and status["x"] + status["width"] <= PHONE["width"], status
        _check_phone_page(tab, language, shots, "register")
    finally:
        context.close()


def test_the_switch_changes_the_language_of_a_public_page(browser, live_server, demo_tokens, tmp_path):
    context, tab = _tab(browser, "zh")
    try:
        tab.goto(f"{live_server}/V/{demo_tokens['VALID']}")
        assert tab.evaluate("document.documentElement.lang") == "zh-CN"
        tab.locator(".lang-switch a[hreflang='mn-Mong-CN']").click()
        tab.wait_for_load_state()
        assert tab.evaluate("document.documentElement.lang") == "mn-Mong-CN" and "lang=mn_Mong_CN" in tab.url
        assert tab.locator(".lang-switch a[aria-current]").get_attribute("hreflang") == "mn-Mong-CN"
        assert tab.evaluate(FONT_LOADED)
        assert context.cookies() == []  # choosing a language on a public page sets no cookie
        tab.locator(".site-nav a").first.click()  # the register, still in Mongolian
        tab.wait_for_load_state()
        assert "/public-register" in tab.url and tab.evaluate("document.documentElement.lang") == "mn-Mong-CN"
        tab.locator(".lang-switch a[hreflang='en']").click()
        tab.wait_for_load_state()
        assert tab.evaluate("document.documentElement.lang") == "en"
        assert tab.locator("h1").inner_text() == "Public register of law-enforcement officers"
        tab.locator(".lang-switch a[hreflang='zh-CN']").click()
        tab.wait_for_load_state()
        assert tab.evaluate("document.documentElement.lang") == "zh-CN"
    finally:
        context.close()


def test_an_officer_reads_their_own_pages_in_mongolian(browser, live_server, demo_tokens, tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    context, tab = _tab(browser, "mn")
    try:
        login(tab, live_server, "officer", DEMO_PASSWORD)
        for path, name, title in (("/exams/", "my-exams", "ᠮᠢᠨᠤ ᠱᠠᠯᠭᠠᠯᠲᠠ"), ("/me/credential", "my-credential", "ᠮᠢᠨᠤ ᠦᠨᠡᠮᠯᠡᠯ"),
                                  ("/reviews/mine", "my-reviews", "ᠮᠢᠨᠤ ᠱᠠᠯᠭᠠᠨ ᠳᠦᠭᠨᠡᠯᠲᠡ")):
            tab.goto(live_server + path)
            assert tab.locator("h1 .mong").inner_text() == title, path
            _check_phone_page(tab, "mn", shots, name)
            if path == "/exams/":  # a plan's facts are columns side by side, not a tall stack of short columns
                heights = tab.locator(".exam-cards .card").evaluate_all("cards => cards.map(c => c.getBoundingClientRect().height)")
                assert heights and max(heights) < PHONE["height"] * 0.7, heights
                assert "\u2011" in tab.locator(".exam-cards .card").first.inner_text()  # its dates do not break across columns
            if path == "/me/credential":  # the organisation's Chinese name beside its Mongolian one, from the top
                mongolian = tab.locator(".e-card dd .mn-pair > .mong").nth(1).bounding_box()
                chinese = tab.locator(".e-card dd .mn-pair > .mong + span").nth(1).bounding_box()
                assert chinese["x"] > mongolian["x"] + mongolian["width"] - 1 and abs(chinese["y"] - mongolian["y"]) < 4
        tab.goto(live_server + "/exams/")
        tab.locator("[data-nav-toggle]").click()  # the menu, then the switch in it: Chinese
        tab.locator(".lang-switch button[value='zh_Hans_CN']").click()
        tab.wait_for_load_state()
        assert tab.evaluate("document.documentElement.lang") == "zh-CN" and tab.locator("h1").inner_text() == "我的考试"
    finally:
        context.close()
