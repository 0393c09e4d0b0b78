"""Two-factor sign-in (TOTP) for administrator, HR and auditor accounts: enrolment by QR code, the code
after the password, recovery codes that work once, a reset by a system administrator, required per role."""
import re
from datetime import timedelta

import pyotp
import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role, User
from tests.factories import PASSWORD, make_user
from tests.svg_qr import decode

KEY = re.compile(r"<span class=\"secret enrolment-key\" data-select-all>([A-Z2-7]+)</span>")
CODES = re.compile(r"<li><code>([0-9A-F]{6}-[0-9A-F]{6})</code></li>")


def _code(secret: str, later: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=later))


def _enrol(client) -> tuple[str, list[str]]:
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = KEY.search(page).group(1)
    wrong = client.post("/account/two-factor", data={"code": "000000" if _code(secret) != "000000" else "111111"})
    assert "This is not the code your authenticator app shows now." in wrong.get_data(as_text=True)
    done = client.post("/account/two-factor", data={"code": _code(secret)}).get_data(as_text=True)
    codes = CODES.findall(done)
    assert len(codes) == 10 and "shown only now" in done
    return secret, codes


@pytest.fixture
def hr(db, tree, frozen_clock):
    return make_user(db, "hr", tree.county, Role.HR_ADMIN)


def test_after_enrolment_a_login_needs_the_code_and_a_code_works_once(db, hr, client, auth):
    auth.login("hr")
    secret, _codes = _enrol(client)
    assert db.query(AuditEntry).filter_by(action="auth.totp_enrol").count() == 1
    auth.logout()
    step = auth.login("hr")
    assert step.headers["Location"] == "/login/second-factor"
    assert client.get("/orgs/").headers["Location"].startswith("/login")  # the password alone opens nothing
    wrong = client.post("/login/second-factor", data={"code": "12345x"})
    assert "This code is not right or was used before." in wrong.get_data(as_text=True)
    clock.advance(timedelta(seconds=30))
    code = _code(secret)
    assert client.post("/login/second-factor", data={"code": code}).headers["Location"] == "/"
    assert client.get("/orgs/").status_code == 200
    auth.logout()
    auth.login("hr")
    replay = client.post("/login/second-factor", data={"code": code})
    assert replay.status_code == 200 and "was used before" in replay.get_data(as_text=True)


def test_a_recovery_code_works_once(db, hr, client, auth):
    auth.login("hr")
    _secret, codes = _enrol(client)
    auth.logout()
    auth.login("hr")
    assert client.post("/login/second-factor", data={"code": codes[3].lower()}).status_code == 302
    assert db.query(AuditEntry).filter_by(action="auth.recovery_code").count() == 1
    auth.logout()
    auth.login("hr")
    assert client.post("/login/second-factor", data={"code": codes[3]}).status_code == 200
    assert client.post("/login/second-factor", data={"code": codes[4]}).status_code == 302


def test_guessing_codes_makes_the_client_wait_even_after_the_right_password_again(db, hr, client, auth):
    auth.login("hr")
    secret, _codes = _enrol(client)
    auth.logout()
    wrong = "999999" if _code(secret) != "999999" else "888888"
    for guesses in (2, 2, 1):
        assert auth.login("hr").headers["Location"] == "/login/second-factor"  # the right password forgives no wrong code
        for _ in range(guesses):
            client.post("/login/second-factor", data={"code": wrong})
    waiting = auth.login("hr")
    assert waiting.status_code == 200 and "logging in from this device pauses" in waiting.get_data(as_text=True)
    clock.advance(timedelta(seconds=31))
    auth.login("hr")
    assert client.post("/login/second-factor", data={"code": _code(secret)}).headers["Location"] == "/"


def test_the_code_must_follow_the_password_within_five_minutes(db, hr, client, auth):
    auth.login("hr")
    secret, _codes = _enrol(client)
    auth.logout()
    auth.login("hr")
    clock.advance(timedelta(minutes=6))
    late = client.post("/login/second-factor", data={"code": _code(secret)})
    assert late.headers["Location"] == "/login"


def test_the_qr_code_carries_the_key_for_the_authenticator_app(db, hr, client, auth):
    auth.login("hr")
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert decode(svg) == f"otpauth://totp/examsys:hr?secret={KEY.search(page).group(1)}&issuer=examsys"


def test_a_required_role_must_enrol_before_anything_else(app, db, hr, client, auth):
    app.config["TOTP_REQUIRED_ROLES"] = ("hr_admin",)
    auth.login("hr")
    assert client.get("/orgs/").headers["Location"] == "/account/two-factor"
    assert "Your role requires two-factor sign-in." in client.get("/account/two-factor").get_data(as_text=True)
    _enrol(client)
    assert client.get("/orgs/").status_code == 200


def test_officers_are_not_offered_it(db, tree, client, auth, frozen_clock):
    make_user(db, "plain", tree.county)
    auth.login("plain")
    refused = client.post("/account/two-factor/start")
    assert refused.status_code == 409 and "Two-factor sign-in is for administrator, HR and auditor accounts." in refused.get_data(as_text=True)
    assert db.query(User).filter_by(username="plain").one().totp_secret is None


def test_a_system_administrator_resets_it_in_scope_and_audited(app, db, tree, hr, client, auth):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    make_user(db, "other-admin", tree.other_county, Role.SYSADMIN)
    auth.login("hr")
    _enrol(client)
    foreign = app.test_client()
    foreign.post("/login", data={"identifier": "other-admin", "password": PASSWORD})
    assert foreign.post(f"/accounts/{hr.id}/reset-two-factor").status_code == 404
    admin = app.test_client()
    admin.post("/login", data={"identifier": "admin", "password": PASSWORD})
    assert admin.post(f"/accounts/{hr.id}/reset-two-factor").status_code == 302
    assert db.query(AuditEntry).filter_by(action="account.totp_reset", actor_name="admin").count() == 1
    assert client.get("/orgs/").status_code == 302  # the holder's sessions ended
    assert auth.login("hr").headers["Location"] == "/"  # the password alone again, until they enrol again
