"""Logging in and out, throttling, passwords, sessions, CSRF and the security headers."""
from datetime import timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role, User
from tests.factories import PASSWORD, make_person, make_user


def test_login_lands_on_the_home_page_with_the_roles(db, tree, client, auth):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    response = auth.login("hr")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "HR / credential administrator" in page and "新城区" in page


def test_pages_need_a_login(client, tree):
    response = client.get("/orgs/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_gives_one_message_for_known_and_unknown_users(db, tree, client, auth):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    known = auth.login("hr", "wrong-password").get_data(as_text=True)
    unknown = auth.login("nobody", "wrong-password").get_data(as_text=True)
    assert "Wrong username or password." in known and "Wrong username or password." in unknown


def test_failed_logins_from_one_address_are_limited(db, tree, app, client, auth):
    app.config["LOGIN_ADDRESS_FAILURE_LIMIT"] = "3 per minute"
    for name in ("a1", "a2", "a3"):
        assert auth.login(name, "x").status_code == 200
    assert auth.login("a4", "x").status_code == 429


def test_successful_logins_from_one_address_are_not_limited(db, tree, app, client, auth):
    app.config["LOGIN_ADDRESS_FAILURE_LIMIT"] = "2 per minute"
    make_user(db, "hall", tree.county)
    for _ in range(5):
        assert auth.login("hall").status_code == 302
        auth.logout()


def test_officer_logs_in_with_the_id_number(db, tree, client, auth):
    person = make_person(db, tree.county_dept)
    make_user(db, "officer", tree.county_dept, person=person)
    assert auth.login(person.id_number.lower()).status_code == 302


def test_disabled_account_cannot_log_in(db, tree, client, auth):
    user = make_user(db, "gone", tree.county)
    user.active = False
    db.commit()
    assert "disabled" in auth.login("gone").get_data(as_text=True)


def test_an_initial_password_must_be_changed_before_anything_else(db, tree, client, auth):
    make_user(db, "fresh", tree.county, Role.HR_ADMIN, must_change=True)
    assert auth.login("fresh").headers["Location"] == "/account/password"
    assert client.get("/orgs/").headers["Location"] == "/account/password"
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    page = response.get_data(as_text=True)
    assert "Use at least 10 characters." in page
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "Better-Pass-99", "confirm": "Better-Pass-99"})
    assert response.status_code == 302
    assert client.get("/orgs/").status_code == 200


def test_a_password_change_ends_the_other_sessions(db, tree, app):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/login", data={"identifier": "hr", "password": PASSWORD})
    first.post("/account/password", data={"current_password": PASSWORD, "new_password": "Better-Pass-99", "confirm": "Better-Pass-99"})
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def _copy_of(client, app):
    """Another browser holding a copy of `client`'s session cookie, as taken before the session ended."""
    copy = app.test_client()
    copy.set_cookie("examsys_session", client.get_cookie("examsys_session").value)
    return copy


def test_a_cookie_copied_before_logout_opens_no_page_after_it(db, tree, app, client, auth):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    auth.login("hr")
    copy = _copy_of(client, app)
    assert copy.get("/orgs/").status_code == 200
    auth.logout()
    response = copy.get("/orgs/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert auth.login("hr").status_code == 302 and client.get("/orgs/").status_code == 200  # logging in again works
    assert copy.get("/orgs/").status_code == 302


def test_a_cookie_copied_before_a_password_change_opens_no_page_after_it(db, tree, app, client, auth):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    auth.login("hr")
    copy = _copy_of(client, app)
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": "Better-Pass-99", "confirm": "Better-Pass-99"})
    assert client.get("/orgs/").status_code == 200
    assert copy.get("/orgs/").status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(db, tree, app, client, auth):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    hr = make_user(db, "hr", tree.county, Role.HR_ADMIN)
    auth.login("hr")
    assert client.get("/orgs/").status_code == 200
    admin = app.test_client()
    admin.post("/login", data={"identifier": "admin", "password": PASSWORD})
    assert admin.post(f"/accounts/{hr.id}/disable").status_code == 302
    response = client.get("/orgs/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("password", "message"), [
    ("Ab1-", "Use at least 10 characters."),
    ("alllowercaseletters", "Mix at least three"),
    ("Password1!hr", "must not contain the username"),
])
def test_the_password_policy(db, tree, client, auth, password, message):
    make_user(db, "hr", tree.county)
    auth.login("hr")
    page = client.post("/account/password", data={"current_password": PASSWORD, "new_password": password, "confirm": password}).get_data(as_text=True)
    assert message in page


def test_passwords_are_stored_with_argon2id(db, tree):
    user = make_user(db, "hr", tree.county)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_session_expires_after_the_absolute_limit(db, tree, client, auth, frozen_clock):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    auth.login("hr")
    assert client.get("/").status_code == 200
    clock.advance(timedelta(hours=13))
    assert client.get("/").status_code == 302


def test_a_forged_csrf_token_is_refused(db, tree, app, client, auth):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    auth.login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/orgs/new", data={"csrf_token": "forged", "parent_id": tree.county.id, "kind": "department",
                                              "code": "X-1", "name": "伪造部门"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/orgs/").get_data(as_text=True).count("伪造部门") == 0


def test_login_form_also_needs_a_csrf_token(db, tree, app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(db, "hr", tree.county)
    assert client.post("/login", data={"identifier": "hr", "password": PASSWORD}).status_code == 400


def test_security_headers_and_cookie_flags(db, tree, client, auth):
    make_user(db, "hr", tree.county)
    response = auth.login("hr")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.get_data(as_text=True)


def test_no_open_redirect_after_login(db, tree, client):
    make_user(db, "hr", tree.county)
    response = client.post("/login", data={"identifier": "hr", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_chinese_is_the_default_and_the_switch_changes_language(db, tree, app, client, auth):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"
    assert "登录" in client.get("/login").get_data(as_text=True)
    assert "Log in" in client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_a_logged_in_users_language_choice_is_kept(db, tree, app, client, auth):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"
    make_user(db, "hr", tree.county)
    auth.login("hr")
    client.post("/language", data={"lang": "en"})
    assert db.get(User, 1).locale == "en" or db.query(User).filter_by(username="hr").one().locale == "en"


@pytest.mark.parametrize("hops, address, scheme", [(0, "127.0.0.1", "http"), (1, "203.0.113.9", "https")])
def test_the_client_address_comes_from_the_proxy_only_when_told_to_trust_it(db, tree, database_url, tmp_path, hops, address, scheme):
    from flask import request

    from examsys import create_app
    from examsys.audit.models import AuditEntry
    from examsys.db import engine_for
    from tests.conftest import TEST_CONFIG

    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    db.commit()
    behind = create_app(dict(TEST_CONFIG, DATABASE_URL=database_url, PROXY_HOPS=hops))
    behind.instance_path = str(tmp_path)
    seen = {}

    @behind.before_request
    def note_the_scheme() -> None:
        seen["scheme"] = request.scheme

    # the client sent a forged first entry; the one proxy appended the address it saw
    forwarded = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"}
    try:
        response = behind.test_client().post("/login", data={"identifier": "hr", "password": PASSWORD}, headers=forwarded)
    finally:
        engine_for(behind).dispose()
    assert response.status_code == 302 and seen["scheme"] == scheme
    db.expire_all()
    assert db.query(AuditEntry).filter_by(action="auth.login").one().client_address == address
