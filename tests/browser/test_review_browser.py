"""In a real browser: the department head enters a routine review, the officer reads and acknowledges it."""
from examsys.auth.models import Role
from examsys.auth.permissions import SYSTEM
from examsys.reviews import schemes, services
from examsys.reviews.models import PeriodKind, Review, ReviewStatus
from tests.factories import PASSWORD, make_person, make_user


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.click("button.primary")


def test_a_review_is_entered_and_the_officer_acknowledges_it(app, db, tree, live_server, page):
    schemes.save_scheme(db, SYSTEM, tree.region.id, "自治区平时考核指标", list(schemes.DEFAULT_ROWS), schemes.DEFAULT_BANDS)
    officer = make_person(db, tree.county_dept, name="张三")
    make_user(db, "head", tree.county_dept, Role.REVIEWER)
    make_user(db, "zhang", tree.county_dept, person=officer)
    hr = make_user(db, "hr-county", tree.county, Role.HR_ADMIN)
    period = services.open_period(db, hr, tree.county.id, PeriodKind.QUARTER, 2026, 3)
    db.commit()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before submitting

    _login(page, live_server, "head")
    page.goto(live_server + "/reviews/")
    page.click("text=张三")
    scores = page.locator("input[name^='score-']")
    assert scores.count() == 8
    for n, value in enumerate(["10", "9", "10", "14", "18", "13", "10", "8"]):  # 92
        scores.nth(n).fill(value)
    page.fill("#comment", "本季度办案数量和质量突出")
    page.click("button[name=submit][value='1']")
    assert "Review submitted" in page.locator(".flashes").inner_text()
    assert page.locator("#review-grade").inner_text() == "Good"
    page.click("text=Log out")

    _login(page, live_server, "zhang")
    page.goto(live_server + "/reviews/mine")
    assert "Please respond" in page.locator("table").inner_text()
    page.click("text=2026, quarter 3")
    assert "本季度办案数量和质量突出" in page.content()
    page.click("button[name=agree][value='1']")
    assert "You acknowledged the review." in page.locator(".flashes").inner_text()
    assert page.locator("#review-state").inner_text().startswith("Acknowledged")
    db.expire_all()
    review = db.query(Review).filter_by(period_id=period.id, person_id=officer.id).one()
    assert review.status is ReviewStatus.ACKNOWLEDGED
