"""The exam room around the questions: a second window is told to take over (never dead-ended), taking over
resumes where the candidate was, and the answer save answers every refusal in JSON."""
import pytest
from werkzeug.exceptions import TooManyRequests

from examsys.errors import PermissionDenied
from examsys.exams import saving
from examsys.exams.models import Attempt, AttemptStatus
from tests.factories import PASSWORD


def _attempt(db, person) -> Attempt:
    return db.query(Attempt).filter_by(person_id=person.id).one()


def _window(app):
    """A browser of the candidate's, logged in."""
    client = app.test_client()
    client.post("/login", data={"identifier": "candidate", "password": PASSWORD})
    return client


def _save(client, attempt, position, response, seq):
    reply = client.post(f"/exams/attempt/{attempt.id}/save", json={"position": position, "response": response, "seq": seq})
    assert reply.status_code == 200, reply.get_data(as_text=True)


def test_a_window_that_has_not_taken_over_is_sent_to_take_over_from_the_hand_in_page(db, exam, app):
    first, second = _window(app), _window(app)
    attempt = _attempt(db, exam["officer"])
    first.post(f"/exams/attempt/{attempt.id}/start")

    for reply in (second.get(f"/exams/attempt/{attempt.id}/submit"), second.post(f"/exams/attempt/{attempt.id}/submit"),
                  second.get(f"/exams/attempt/{attempt.id}/result")):
        assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/exams/attempt/{attempt.id}")
    page = second.get(f"/exams/attempt/{attempt.id}").get_data(as_text=True)
    assert "Continue in this window" in page and "Back to My exams" in page
    db.expire_all()
    assert db.get(Attempt, attempt.id).status is AttemptStatus.IN_PROGRESS  # the second window's hand-in did nothing

    # The window that holds the exam still reaches its hand-in page.
    assert "Hand in now" in first.get(f"/exams/attempt/{attempt.id}/submit").get_data(as_text=True)


def _first_option(attempt, position):
    return attempt.items[position]["o"][0] if attempt.items[position]["o"] else "true"


def test_taking_over_resumes_where_the_candidate_was(db, exam, app):
    first, second = _window(app), _window(app)
    attempt = _attempt(db, exam["officer"])
    first.post(f"/exams/attempt/{attempt.id}/start")
    for seq, position in enumerate((0, 2, 3, 4), start=1):  # question 2 skipped for later
        _save(first, attempt, position, _first_option(attempt, position), seq)
    # On question 5 the candidate moves on with the page's form: they are on question 6 now.
    moved = first.post(f"/exams/attempt/{attempt.id}/q/5", data={"answer": _first_option(attempt, 4), "go": "next"})
    assert moved.headers["Location"].endswith(f"/exams/attempt/{attempt.id}/q/6")

    taken = second.post(f"/exams/attempt/{attempt.id}/takeover")
    assert taken.headers["Location"].endswith(f"/exams/attempt/{attempt.id}/q/6")

    # Back in the first window's place: the candidate goes back to question 2 and answers it there.
    first.post(f"/exams/attempt/{attempt.id}/takeover")
    _save(first, attempt, 1, _first_option(attempt, 1), 10**13)
    taken = second.post(f"/exams/attempt/{attempt.id}/takeover")
    assert taken.headers["Location"].endswith(f"/exams/attempt/{attempt.id}/q/2")
    # Logging in again in the window that holds it resumes there too.
    assert second.get(f"/exams/attempt/{attempt.id}").headers["Location"].endswith("/q/2")


def test_taking_over_before_any_answer_starts_at_question_one(db, exam, app):
    first, second = _window(app), _window(app)
    attempt = _attempt(db, exam["officer"])
    first.post(f"/exams/attempt/{attempt.id}/start")
    assert second.post(f"/exams/attempt/{attempt.id}/takeover").headers["Location"].endswith("/q/1")


def _json_refusal(reply, status):
    assert reply.status_code == status
    assert reply.mimetype == "application/json", reply.get_data(as_text=True)[:200]
    body = reply.get_json()
    assert body["message"] and body["error"]
    return body


@pytest.fixture
def started(db, exam, client, auth):
    auth.login("candidate")
    attempt = _attempt(db, exam["officer"])
    client.post(f"/exams/attempt/{attempt.id}/start")
    return attempt


def test_the_answer_save_answers_every_refusal_in_json(db, exam, app, client, started, monkeypatch):
    url = f"/exams/attempt/{started.id}/save"
    # 404: somebody else's paper.
    theirs = _attempt(db, exam["other"])
    body = _json_refusal(client.post(f"/exams/attempt/{theirs.id}/save", json={"position": 0, "response": "A", "seq": 1}), 404)
    assert body["message"] == "No such exam paper."
    # 422: no such question on the paper.
    body = _json_refusal(client.post(url, json={"position": 99, "response": "A", "seq": 2}), 422)
    assert body["message"] == "No such question on this paper."
    # 400: a body that is not a save.
    _json_refusal(client.post(url, json=["A"]), 400)
    # 409: a paper not started.
    theirs_client = app.test_client()
    theirs_client.post("/login", data={"identifier": "candidate2", "password": PASSWORD})
    body = _json_refusal(theirs_client.post(f"/exams/attempt/{theirs.id}/save", json={"position": 0, "response": "A", "seq": 1}), 409)
    assert body["message"] == "Start the exam first."
    # 400: the form token missing (CSRF).
    app.config["WTF_CSRF_ENABLED"] = True
    body = _json_refusal(client.post(url, json={"position": 0, "response": "A", "seq": 3}), 400)
    assert "expired" in body["message"]
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize(("error", "status"), [(PermissionDenied("Only officers with a personal account take exams."), 403),
                                               (TooManyRequests(), 429), (RuntimeError("boom"), 500)])
def test_the_answer_save_answers_in_json_whatever_refuses_it(db, exam, app, client, started, monkeypatch, error, status):
    """Refusals that come from around the save (a permission, the rate limiter, a failure) are JSON too."""
    def refuse(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(saving, "save_for_login", refuse)
    monkeypatch.setattr(saving, "save_if_plain", lambda *_args, **_kwargs: None)  # PostgreSQL's lean path hands every save to Flask
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a failure is answered as in production, not raised into the test
    body = _json_refusal(client.post(f"/exams/attempt/{started.id}/save", json={"position": 0, "response": "A", "seq": 1}), status)
    assert body["status"] == status
    assert "<html" not in client.post(f"/exams/attempt/{started.id}/save", json={"position": 0, "response": "A", "seq": 2}).get_data(as_text=True)
