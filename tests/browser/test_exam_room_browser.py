"""In a real browser, the exam room: moving between questions is never a departure, a real one counts once
(and hands in after the plan's number); the newest answer survives a reload that overtakes its save; the
room is usable by keyboard and at any font size."""
import time

from examsys.exams.models import Attempt, IntegrityEvent
from tests.browser.room_steps import away, login, proctor_row
from tests.factories import PASSWORD

LEFT = "Left the exam page"


def _start(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "candidate", PASSWORD)
    page.goto(live_server + "/exams/")
    page.click("text=Go to the exam")
    page.click("text=Start the exam")
    page.wait_for_url("**/q/1")


def _departures(db, attempt_id):
    db.expire_all()
    return db.query(IntegrityEvent).filter_by(attempt_id=attempt_id, kind="focus_lost").count()


def test_moving_through_every_question_is_no_departure(db, exam, live_server, page, browser, tmp_path):
    _start(page, live_server)
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    total = len(attempt.items)
    for n in range(1, total + 1):  # "Save and next" through the paper
        page.wait_for_url(f"**/q/{n}")
        page.check("input[name=answer] >> nth=0")
        page.click("button[value=next]" if n < total else "button[value=submit]")
    page.wait_for_url("**/submit")
    for n in range(total, 0, -1):  # the navigator, backwards, with a reload on the way
        page.click(f".navigator a >> text='{n}'")
        page.wait_for_url(f"**/q/{n}")
        if n == total // 2:
            page.reload()
    page.click("text=Hand in…")
    page.wait_for_url("**/submit")
    page.click("text=Back to the questions")
    page.wait_for_url("**/q/*")
    page.wait_for_timeout(2500)  # longer than the departure threshold: a report sent while leaving would be in now
    assert _departures(db, attempt.id) == 0
    row = proctor_row(browser, live_server, "examiner", PASSWORD, exam["plan"].id, "考生甲", tmp_path / "proctor.png")
    assert LEFT not in row


def test_a_real_departure_counts_once_and_a_glance_away_not_at_all(db, exam, live_server, page, browser):
    _start(page, live_server)
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    away(page, 0.5)  # a notification clicked away: shorter than the threshold
    page.wait_for_timeout(2500)
    assert _departures(db, attempt.id) == 0
    away(page, 3)  # another tab in front for three seconds
    deadline = time.monotonic() + 5
    while _departures(db, attempt.id) == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)
    assert _departures(db, attempt.id) == 1
    row = proctor_row(browser, live_server, "examiner", PASSWORD, exam["plan"].id, "考生甲")
    assert row.count(LEFT) == 1


def test_the_plans_number_of_real_departures_hands_in(db, exam, live_server, page):
    exam["plan"].max_departures = 2
    db.commit()
    _start(page, live_server)
    page.check("input[name=answer] >> nth=0")
    page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
    page.click("button[value=next]")
    page.wait_for_url("**/q/2")
    away(page, 3)
    page.wait_for_timeout(500)
    assert "/q/2" in page.url  # one departure: still sitting
    away(page, 3)
    page.wait_for_url("**/result", timeout=10_000)
    assert "handed in automatically" in page.locator("main").inner_text()
    db.expire_all()
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    assert attempt.finished and attempt.auto_submitted and attempt.departures == 2


def test_a_reload_that_overtakes_the_save_shows_the_newest_answer_and_next_keeps_it(db, exam, app, live_server, page):
    """The network is slow: the save of a click is still on its way when the candidate reloads."""
    slow = {"on": False}
    inner = app.wsgi_app

    def slow_saves(environ, start_response):  # in front of everything, the lean save of PostgreSQL too
        if slow["on"] and environ["PATH_INFO"].endswith("/save"):
            time.sleep(1.5)
        return inner(environ, start_response)

    app.wsgi_app = slow_saves

    _start(page, live_server)
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    item = attempt.items[0]
    first, second = (item["o"][0], item["o"][1]) if item["o"] else ("true", "false")
    page.check(f"input[name=answer][value='{first}']")
    page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
    slow["on"] = True
    page.check(f"input[name=answer][value='{second}']")
    page.reload()
    assert page.locator("input[name=answer]:checked").get_attribute("value") == second
    page.click("button[value=next]")
    page.wait_for_url("**/q/2")
    slow["on"] = False
    page.wait_for_timeout(2000)  # every save sent is in
    db.expire_all()
    saved = {a.position: a.response for a in db.get(Attempt, attempt.id).answers}
    assert saved[0] == second


def test_the_page_from_the_back_button_shows_the_newest_answer(db, exam, live_server, page):
    _start(page, live_server)
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    item = attempt.items[0]
    first, second = (item["o"][0], item["o"][1]) if item["o"] else ("true", "false")
    page.check(f"input[name=answer][value='{first}']")
    page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
    page.click(".navigator a >> text='2'")
    page.wait_for_url("**/q/2")
    page.click(".navigator a >> text='1'")
    page.wait_for_url("**/q/1")
    page.check(f"input[name=answer][value='{second}']")
    page.wait_for_selector("[data-save-state]:text-matches('^Saved ')")
    page.click(".navigator a >> text='2'")
    page.wait_for_url("**/q/2")
    page.go_back()
    page.go_back()
    page.go_back()  # the first visit of question 1, when its answer was the first one
    page.wait_for_url("**/q/1")
    page.wait_for_load_state()
    assert page.locator("input[name=answer]:checked").get_attribute("value") == second
    db.expire_all()
    assert {a.position: a.response for a in db.get(Attempt, attempt.id).answers}[0] == second
