"""In a real browser, with CSRF on: HR records a course on the person's page and removes it again; the
officer reads their training on their own page (Chinese)."""
from examsys.auth.models import Role
from tests.factories import PASSWORD, make_person, make_user

SHOTS = "/tmp/record-shots"


def _login(tab, base, username):
    tab.goto(base + "/login")
    tab.fill("#identifier", username)
    tab.fill("#password", PASSWORD)
    tab.click("button.primary")


def test_hr_records_training_and_the_officer_reads_it(app, db, tree, live_server, page, zh_page):
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)
    person = make_person(db, tree.county_dept, name="赵敏")
    make_user(db, "zhaomin", tree.county_dept, person=person)
    _login(page, live_server, "county-hr")
    page.goto(f"{live_server}/personnel/{person.id}")
    page.fill("#course", "行政处罚法专题培训")
    page.fill("#provider", "新城区司法局")
    page.fill("#completed_on", "2025-03-20")
    page.fill("#hours", "16")
    page.click("text=Record training")
    assert "Training recorded." in page.locator(".flashes").inner_text()
    section = page.locator("#training").inner_text()
    assert "行政处罚法专题培训" in section and "2025: 16 hours" in section
    page.fill("#course", "行政许可法")
    page.fill("#completed_on", "2025-06-01")
    page.fill("#hours", "8")
    page.click("text=Record training")
    page.locator("#training").screenshot(path=f"{SHOTS}/training-hr.png")
    page.locator("#training tbody tr", has_text="行政许可法").locator("button").click()
    assert "Training record removed." in page.locator(".flashes").inner_text()
    assert "行政许可法" not in page.locator("#training table").inner_text()

    _login(zh_page, live_server, "zhaomin")
    zh_page.goto(live_server + "/me/")
    mine = zh_page.locator("#training").inner_text()
    assert "行政处罚法专题培训" in mine and "2025 年：16 学时" in mine and "登记培训" not in mine
    zh_page.locator("#training").screenshot(path=f"{SHOTS}/training-me-zh.png")
