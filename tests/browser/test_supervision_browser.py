"""The demo's auditor opens the supervision dashboard from the navigation, in Chinese, and follows the figure
of credentials in force to its list: the list holds as many credentials as the figure said."""
from __future__ import annotations

import os
import re
import shutil

from tests.demo_fixtures import DEMO_PASSWORD

SHOTS = os.environ.get("EXAMSYS_SHOTS")  # also copy the screenshots there, to look at them


def _login_as_auditor(page, live_server) -> None:
    page.goto(live_server + "/login")
    page.fill("#identifier", "auditor")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()


def test_the_auditor_follows_a_figure_from_the_dashboard_to_its_list(demo, live_server, zh_page, tmp_path):
    page = zh_page
    _login_as_auditor(page, live_server)
    page.click("nav >> text=执法监督")
    page.wait_for_load_state()
    assert page.url.endswith("/supervision/")
    assert page.locator("h1").inner_text() == "执法监督"
    shots = [tmp_path / "01-dashboard.png"]
    page.screenshot(path=str(shots[0]), full_page=True)
    tile = page.locator('[data-figure="in_force"]')
    figure = int(tile.locator(".figure-number").inner_text())
    assert figure > 0 and "有效证件" in tile.inner_text()
    tile.click()
    page.wait_for_load_state()
    assert "/supervision/list/in_force" in page.url and page.locator("h1").inner_text() == "有效证件"
    rows = page.locator("tbody tr").count()
    assert rows == min(figure, 20) and re.search(rf"共\s*{figure}", page.locator(".muted.small").last.inner_text())
    shots.append(tmp_path / "02-list.png")
    page.screenshot(path=str(shots[1]), full_page=True)
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, SHOTS)


def test_the_auditor_opens_the_annual_report_and_its_trends(demo, live_server, zh_page):
    page = zh_page
    _login_as_auditor(page, live_server)
    page.goto(live_server + "/supervision/")
    page.click("main >> text=年度报告")
    page.wait_for_load_state()
    page.select_option("#year", "2026")
    page.click("main button.primary")
    page.wait_for_load_state()
    assert re.search(r"/supervision/annual/2026/\d+$", page.url)
    assert page.locator("h1").inner_text().startswith("年度报告 2026")
    levels = page.locator("#force_levels tbody tr")
    assert levels.count() == 4 and levels.last.locator("td").first.inner_text() == "合计"
    assert page.locator("#force_levels svg").count() == 1
    page.click("text=按月趋势")
    page.wait_for_load_state()
    assert "/supervision/trends/2026/" in page.url and page.locator("main svg").count() == 8  # four trends, four of the dashboard's snapshots
