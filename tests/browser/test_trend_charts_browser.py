"""The trends page in a browser: each chart is as wide as its card, its legend text is readable (at least 12 px on
screen) and carries the series' full names, in English and Chinese."""
from __future__ import annotations

from sqlalchemy import select

from examsys import clock
from examsys.orgs.models import Organisation
from tests.demo_fixtures import DEMO_PASSWORD

MEASURE = """() => [...document.querySelectorAll('section.card figure.chart')].map(figure => {
  const card = figure.closest('section.card'), svg = figure.querySelector('svg');
  const style = getComputedStyle(card);
  const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const texts = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height);
  return [svg.getBoundingClientRect().width / inner, Math.min(...texts), svg.textContent.includes('…')];
})"""


def test_the_trend_charts_fill_their_cards_with_readable_legends(db, demo, live_server, page, zh_page, tmp_path):
    region = db.scalar(select(Organisation).where(Organisation.parent_id.is_(None)))
    for name, tab in (("en", page), ("zh", zh_page)):
        tab.goto(live_server + "/login")
        tab.fill("#identifier", "auditor")
        tab.fill("#password", DEMO_PASSWORD)
        tab.click("button.primary")
        tab.wait_for_load_state()
        tab.goto(f"{live_server}/supervision/trends/{clock.local_date(clock.now()).year}/{region.id}")
        tab.screenshot(path=str(tmp_path / f"trends-{name}.png"), full_page=True)
        charts = tab.evaluate(MEASURE)
        assert charts and all(share > 0.97 for share, _size, _cut in charts), charts
        assert all(size >= 12 for _share, size, _cut in charts), charts
        assert not any(cut for _share, _size, cut in charts)
