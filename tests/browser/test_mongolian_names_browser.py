"""Mongolian names beside the Chinese ones, the same on every page that shows them (organisation tree,
personnel list, person page, public register on a desk and on a phone, verify page): the Mongolian name in
its own vertical column, on the left of the Chinese one; a person's Chinese name never broken over two lines;
on the phone's register card the pair stays beside its label. Screenshots are kept in the test's folder."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.room_steps import login
from tests.browser.test_mongolian_browser import demo_tokens  # noqa: F401 (a fixture)
from tests.demo_fixtures import DEMO_PASSWORD

DESK, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}

# Every .mn-pair on the page that has a Mongolian name: [vertical?, Mongolian left of the Chinese?,
# the person's Chinese name on one line?, the Chinese at least as wide as its first four characters set on
# one line in its own font (not squeezed into a column of single characters by the Mongolian one)?, its text].
# The width is measured against the same characters unbroken, so the check holds whatever CJK font the
# machine has (a fresh machine has none and draws boxes).
PAIRS = """() => [...document.querySelectorAll('.mn-pair')].filter(p => p.querySelector('[lang="mn-Mong"]')).map(p => {
  const mn = p.querySelector('[lang="mn-Mong"]'), zh = p.lastElementChild, a = mn.getBoundingClientRect(), b = zh.getBoundingClientRect();
  const oneLine = !zh.classList.contains('person-name') || b.height < 1.8 * parseFloat(getComputedStyle(zh).fontSize);
  const probe = document.createElement('span'), style = getComputedStyle(zh);
  probe.style.cssText = `position:absolute;visibility:hidden;white-space:nowrap;font:${style.font};letter-spacing:${style.letterSpacing}`;
  probe.textContent = [...zh.innerText.trim()].slice(0, 4).join('');
  document.body.appendChild(probe);
  const wide = b.width >= 0.95 * probe.getBoundingClientRect().width;
  probe.remove();
  return [getComputedStyle(mn).writingMode === 'vertical-lr', a.right <= b.left + 1, oneLine, wide, p.innerText]; })"""


def _check(tab, name: str, tmp_path, at_least: int = 1) -> None:
    pairs = tab.evaluate(PAIRS)
    assert len(pairs) >= at_least, f"{name}: no Mongolian name shown"
    bad = [pair for pair in pairs if not all(pair[:4])]
    tab.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    assert not bad, f"{name}: {bad}"


def test_hr_sees_mongolian_names_the_same_way_everywhere(browser, live_server, demo_tokens, db, tmp_path):  # noqa: F811
    from examsys.personnel.models import Person

    person = db.scalars(select(Person).where(Person.name_mn.is_not(None), Person.name_mn != "")).first()
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        login(tab, live_server, "hr", DEMO_PASSWORD)
        tab.goto(live_server + "/orgs/")
        _check(tab, "orgs", tmp_path)
        for page_no in (1, 2):
            tab.goto(f"{live_server}/personnel/?page={page_no}")
            _check(tab, f"personnel-{page_no}", tmp_path)
            # no person's Chinese name is broken, with or without a Mongolian one
            heights = tab.evaluate("""() => [...document.querySelectorAll('a.person-name')].map(e =>
              e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize))""")
            assert heights and max(heights) < 1.8, heights
        tab.goto(f"{live_server}/personnel/{person.id}")
        _check(tab, "person", tmp_path)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_public_pages_show_mongolian_names_the_same_way(browser, live_server, demo_tokens, tmp_path, viewport):  # noqa: F811
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        tab.goto(f"{live_server}/public-register")
        _check(tab, "register", tmp_path, at_least=2)
        if viewport is PHONE:  # each pair in its card's grid: beside its label, on the label's line
            rows = tab.evaluate("""() => [...document.querySelectorAll('table.register td')].filter(td => td.querySelector('.mn-pair [lang="mn-Mong"]'))
              .map(td => { const t = td.getBoundingClientRect(), p = td.querySelector('.mn-pair').getBoundingClientRect();
                           return [p.top - t.top, p.left - t.left, t.right - p.right, getComputedStyle(td).alignItems]; })""")
            assert rows and all(top < 8 and left > 60 and right >= 0 and align != "baseline" for top, left, right, align in rows), rows
        tab.goto(f"{live_server}/V/{demo_tokens['VALID']}")
        _check(tab, "verify", tmp_path, at_least=1)
    finally:
        context.close()
