"""In a real browser: take a whole exam (answers saved as given, kept across a reload), and let time run out with the page open."""
from datetime import timedelta

from examsys import clock
from examsys.bank.models import QuestionVersion
from examsys.exams.models import Attempt, AttemptStatus
from tests.factories import PASSWORD


def _login_and_start(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server + "/login")
    page.fill("#identifier", "candidate")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.goto(live_server + "/exams/")
    page.click("text=Go to the exam")
    page.click("text=Start the exam")
    page.wait_for_url("**/q/1")


def test_take_a_whole_exam_with_a_reload_in_the_middle(db, exam, live_server, page):
    _login_and_start(page, live_server)
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    versions = {v.id: v for v in db.query(QuestionVersion)}
    for n, item in enumerate(attempt.items, start=1):
        page.goto(f"{live_server}/exams/attempt/{attempt.id}/q/{n}")
        version = versions[item["v"]]
        if version.type.value == "single_choice":
            page.check("input[name=answer][value=B]")
        elif version.type.value == "multiple_choice":
            page.check("input[name=answer][value=A]")
            page.check("input[name=answer][value=C]")
        else:
            page.check(f"input[name=answer][value={'true' if version.answer else 'false'}]")
        page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
        if n == 6:
            page.reload()
            assert page.locator("input[name=answer]:checked").count() >= 1
            assert page.locator(".navigator a.answered").count() == 6
    page.goto(f"{live_server}/exams/attempt/{attempt.id}/submit")
    assert "All questions are answered." in page.locator("main").inner_text()
    page.click("text=Hand in now")
    page.wait_for_url("**/result")
    assert "Your answers are in" in page.locator("main").inner_text()
    db.expire_all()
    graded = db.get(Attempt, attempt.id)
    assert graded.status is AttemptStatus.GRADED and graded.passed and graded.score == 100


def test_time_runs_out_with_the_page_open(db, exam, live_server, page):
    _login_and_start(page, live_server)
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    page.check("input[name=answer] >> nth=0")
    page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
    attempt.deadline = clock.now() + timedelta(seconds=3)
    db.commit()
    page.reload()
    clock.advance(timedelta(seconds=5))  # the server's clock passes the deadline; the page's timer reaches 0 by itself
    page.wait_for_url("**/result", timeout=15_000)
    assert "Time is up: your answers were submitted at the deadline." in page.locator("main").inner_text()
    db.expire_all()
    finished = db.get(Attempt, attempt.id)
    assert finished.status is AttemptStatus.GRADED and sum(1 for a in finished.answers if a.response is not None) == 1
