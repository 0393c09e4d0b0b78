"""A journey through the pages only, in Chinese, from `flask seed-demo`'s data: HR of 新城区 opens the fourth
quarter, the reviewer enters a review for an officer, the officer logs in and acknowledges it, the auditor opens the audit trail and reads both
entries in words (labels and names, no codes, no JSON). Screenshots of each step go under tmp_path."""
from __future__ import annotations

import os
import shutil

from sqlalchemy import select

from examsys.auth.models import User
from examsys.orgs.models import Organisation
from tests.demo_fixtures import DEMO_PASSWORD

SHOTS = os.environ.get("EXAMSYS_SHOTS")  # also copy the screenshots there, to look at them


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#identifier", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()


def _logout(page) -> None:
    page.click("text=退出登录")
    page.wait_for_load_state()


def test_a_review_entered_acknowledged_and_read_in_the_audit_trail(demo, live_server, zh_page, tmp_path):
    page = zh_page
    officer = demo.scalar(select(User).where(User.username == "officer3"))
    name = officer.person.name
    county = demo.scalar(select(Organisation).where(Organisation.code == "150102"))
    shots = []

    def shot(step: str) -> None:
        path = tmp_path / f"{len(shots) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            shutil.copy(path, SHOTS)

    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before submitting

    _login(page, live_server, "hr_xincheng")
    page.goto(live_server + "/reviews/periods/new")
    page.select_option("#org_id", value=str(county.id))
    page.select_option("#kind", label="季度")
    page.fill("#year", "2026")
    page.fill("#number", "4")
    shot("hr-period-form")
    page.click("button.primary")
    assert "考核周期已开启" in page.locator(".flashes").inner_text()
    shot("hr-period-open")
    _logout(page)

    _login(page, live_server, "reviewer")
    page.goto(live_server + "/reviews/")
    shot("reviewer-home")
    page.locator("section.card", has_text="待录入的考核").get_by_role("link", name=name).click()
    scores = page.locator("input[name^='score-']")
    assert scores.count() == 8
    for n, value in enumerate(["10", "9", "10", "12", "16", "12", "9", "8"]):  # 86: 较好
        scores.nth(n).fill(value)
    page.fill("#comment", "执法规范，案卷质量有待提高（旅程测试）")
    shot("reviewer-form")
    page.click("button[name=submit][value='1']")
    assert "较好" in page.locator("#review-grade").inner_text()
    assert "待本人确认" in page.locator("#review-state").inner_text()
    shot("reviewer-submitted")
    _logout(page)

    _login(page, live_server, "officer3")
    page.goto(live_server + "/reviews/mine")
    shot("officer-mine")
    page.locator("table tr", has_text="2026年第4季度").get_by_role("link").first.click()
    assert "执法规范，案卷质量有待提高（旅程测试）" in page.content()
    page.click("button[name=agree][value='1']")
    assert page.locator("#review-state").inner_text().startswith("本人已确认")
    shot("officer-acknowledged")
    _logout(page)

    _login(page, live_server, "auditor")
    page.goto(live_server + "/audit/")
    page.select_option("select[name=action]", label="提交平时考核")
    page.fill("input[name=target]", name)
    page.click("form.filters button[type=submit]")
    shot("auditor-trail")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2  # the demo's third quarter, and this fourth: the newest first
    row = rows.first.inner_text()
    assert "reviewer" in row and "提交平时考核" in row and "考核 · " in row and name in row
    rows.first.get_by_role("link").first.click()
    details = page.locator("dl.facts").inner_text()
    shot("auditor-submit-entry")
    for words in ("考核周期：2026年第4季度", "合计：86", "等次：较好", "录入方式：表单", "依法履职：10"):
        assert words in details, details
    for code in ("fairly_good", "form", "review.submit", '"scores"', "\\u"):
        assert code not in details, code

    page.goto(live_server + "/audit/")
    page.select_option("select[name=action]", label="执法人员确认考核结果")
    page.fill("input[name=target]", name)
    page.click("form.filters button[type=submit]")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "officer3" in rows.first.inner_text()  # the demo's third quarter is not acknowledged
    rows.first.get_by_role("link").first.click()
    shot("auditor-acknowledge-entry")
    assert "执法人员确认考核结果" in page.locator("dl.facts").inner_text()

    assert all(p.stat().st_size > 10_000 for p in shots)
