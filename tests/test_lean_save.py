"""The answer save served before Flask (examsys.exams.lean_save): it answers a plain save as the Flask view
would, and hands everything else to Flask, which refuses what it refuses."""
import re
from datetime import timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role, User
from examsys.auth.services import set_account_active
from examsys.exams.models import Answer, Attempt
from tests.factories import PASSWORD, make_user

DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')


@pytest.fixture
def room(app, db, exam, client, auth):
    """The candidate in the exam room, CSRF checked as in production; counts the saves Flask's view serves."""
    auth.login("candidate")
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    client.post(f"/exams/attempt/{attempt.id}/start")
    page = client.get(f"/exams/attempt/{attempt.id}/q/1").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    served = []
    view = app.view_functions["exams.save"]

    def counted(*args, **kwargs):
        served.append(kwargs)
        return view(*args, **kwargs)

    app.view_functions["exams.save"] = counted
    return {"attempt": attempt, "csrf": DATA_CSRF.search(page).group(1), "url": f"/exams/attempt/{attempt.id}/save", "by_flask": served,
            # the lean path serves saves on PostgreSQL; on SQLite Flask serves them all
            "lean": db.get_bind().dialect.name == "postgresql"}


def _answers(db, attempt):
    db.expire_all()
    return {a.position: a.response for a in db.query(Answer).filter_by(attempt_id=attempt.id)}


def test_a_plain_save_is_kept_and_answered_without_flask_as_flask_would(db, client, room):
    letter = room["attempt"].items[0]["o"][1] if room["attempt"].items[0]["o"] else True
    response = client.post(room["url"], json={"position": 0, "response": letter, "seq": 5}, headers={"X-CSRFToken": room["csrf"]})
    assert response.status_code == 200 and len(room["by_flask"]) == (0 if room["lean"] else 1)
    body = response.get_json()
    assert body["saved"] is True and body["seq"] == 5 and body["saved_at"].startswith(clock.now().date().isoformat())
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"] and "Set-Cookie" not in response.headers
    assert _answers(db, room["attempt"]) == {0: letter}
    stale = client.post(room["url"], json={"position": 0, "response": None, "seq": 4}, headers={"X-CSRFToken": room["csrf"]})
    assert stale.get_json()["saved"] is False and stale.get_json()["seq"] == 5
    assert {name for name, _ in stale.headers} == {name for name, _ in response.headers}  # Flask's answer (a newer save is there)
    assert _answers(db, room["attempt"]) == {0: letter}


@pytest.mark.parametrize("headers", [{}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": "IjAwMDAi.aaaa.bbbb"}])
def test_a_save_without_a_valid_csrf_token_goes_to_flask_and_is_refused(db, client, room, headers):
    response = client.post(room["url"], json={"position": 0, "response": None, "seq": 1}, headers=headers)
    assert response.status_code == 400 and len(room["by_flask"]) == 0  # refused by the CSRF check, before the view
    assert _answers(db, room["attempt"]) == {}


def test_a_csrf_token_signed_for_another_session_is_refused(app, db, client, room):
    from itsdangerous import URLSafeTimedSerializer

    theirs = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("0" * 40)  # well signed, another session's secret
    response = client.post(room["url"], json={"position": 0, "response": None, "seq": 1}, headers={"X-CSRFToken": theirs})
    assert response.status_code == 400 and _answers(db, room["attempt"]) == {}


def test_a_tampered_cookie_or_none_is_a_login_matter_for_flask(client, room):
    cookie = client.get_cookie("examsys_session")
    client.set_cookie("examsys_session", cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB"))
    response = client.post(room["url"], json={"position": 0, "response": None, "seq": 1}, headers={"X-CSRFToken": room["csrf"]})
    assert response.status_code == 400  # no session: no CSRF secret either, so the CSRF check refuses first
    client.delete_cookie("examsys_session")
    assert client.post(room["url"], json={"position": 0, "response": None, "seq": 1}, headers={"X-CSRFToken": room["csrf"]}).status_code == 400
    assert room["by_flask"] == []


def test_after_the_absolute_session_limit_flask_logs_the_candidate_out(app, db, client, room):
    app.config["SESSION_ABSOLUTE_HOURS"] = 0.01  # 36 s, so that the exam is still on when the session ends
    clock.advance(timedelta(minutes=1))
    response = client.post(room["url"], json={"position": 0, "response": None, "seq": 1}, headers={"X-CSRFToken": room["csrf"]})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _answers(db, room["attempt"]) == {}


@pytest.mark.parametrize("body", ['[1, 2]', '{"position": "first", "seq": 1}', "not json", '{"position": 0, "seq": {}}'])
def test_a_save_the_lean_path_cannot_read_gets_flasks_400(db, client, room, body):
    response = client.post(room["url"], data=body, content_type="application/json", headers={"X-CSRFToken": room["csrf"]})
    assert response.status_code == 400 and len(room["by_flask"]) == 1
    assert response.get_json()["error"] == "bad_request" and _answers(db, room["attempt"]) == {}


def test_refused_saves_are_said_by_flask_in_the_candidates_words(db, client, room):
    position = next(p for p, item in enumerate(room["attempt"].items) if item["t"] == "single_choice")
    refused = client.post(room["url"], json={"position": position, "response": "Z", "seq": 1}, headers={"X-CSRFToken": room["csrf"]})
    assert refused.status_code == 422 and "Not one of the options" in refused.get_data(as_text=True) and len(room["by_flask"]) == 1
    clock.advance(timedelta(minutes=61))
    late = client.post(room["url"], json={"position": position, "response": "A", "seq": 2}, headers={"X-CSRFToken": room["csrf"]})
    assert late.status_code == 409 and late.get_json()["error"] == "time_up" and len(room["by_flask"]) == 2
    assert set(_answers(db, room["attempt"]).values()) == {None}  # graded with every question blank


def test_over_https_the_referrer_must_be_this_site(client, room):
    base = {"X-CSRFToken": room["csrf"]}
    https = {"wsgi.url_scheme": "https"}
    foreign = client.post(room["url"], json={"position": 0, "response": None, "seq": 1}, environ_overrides=https,
                          headers=dict(base, Referer="https://elsewhere.example/"))
    assert foreign.status_code == 400
    missing = client.post(room["url"], json={"position": 0, "response": None, "seq": 2}, environ_overrides=https, headers=base)
    assert missing.status_code == 400
    own = client.post(room["url"], json={"position": 0, "response": None, "seq": 3}, environ_overrides=https,
                      headers=dict(base, Referer="https://localhost/exams/"))
    assert own.status_code == 200 and len(room["by_flask"]) == (0 if room["lean"] else 1)


def test_a_save_sent_as_a_form_goes_to_flask_and_is_refused_as_not_understood(db, client, room):
    response = client.post(room["url"], data={"position": "0", "response": "A", "seq": "1"}, headers={"X-CSRFToken": room["csrf"]})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request" and len(room["by_flask"]) == 1
    assert _answers(db, room["attempt"]) == {}


@pytest.mark.parametrize("ending", ["logout", "password", "disable"])
def test_a_save_with_a_cookie_copied_before_the_session_ended_is_refused(app, db, tree, client, room, ending):
    copy = app.test_client()
    copy.set_cookie("examsys_session", client.get_cookie("examsys_session").value)
    if ending == "logout":
        client.post("/logout", data={"csrf_token": room["csrf"]})
    elif ending == "password":
        client.post("/account/password", data={"csrf_token": room["csrf"], "current_password": PASSWORD,
                                               "new_password": "Better-Pass-99", "confirm": "Better-Pass-99"})
    else:
        admin = make_user(db, "admin", tree.region, Role.SYSADMIN)
        set_account_active(db, admin, db.query(User).filter_by(username="candidate").one().id, False)
        db.commit()
    response = copy.post(room["url"], json={"position": 0, "response": None, "seq": 1}, headers={"X-CSRFToken": room["csrf"]})
    assert response.status_code == 401 and response.get_json()["error"] == "login" and len(room["by_flask"]) == 1
    assert _answers(db, room["attempt"]) == {}
