"""Login throttling (examsys/auth/throttle.py): guessing is slow for the guesser, a third party cannot lock
the real user out of a browser they used before, and no answer tells whether an account exists."""
import re
from datetime import timedelta

import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from tests.factories import PASSWORD, make_person, make_user

ERROR = re.compile(r'<p class="error" id="password-error">([^<]*)</p>')
FAILED = "Wrong username or password. After several failed attempts, logging in from this device pauses for a while."


def _from(app, address):
    """A browser of its own at its own client address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _login(browser, identifier, password=PASSWORD):
    return browser.post("/login", data={"identifier": identifier, "password": password})


def _said(response) -> str:
    assert response.status_code == 200
    return ERROR.search(response.get_data(as_text=True)).group(1)


@pytest.fixture
def hr(db, tree, frozen_clock):
    return make_user(db, "hr", tree.county, Role.HR_ADMIN)


def test_a_guessing_client_waits_longer_after_each_failure_even_with_the_right_password(app, hr):
    guesser = _from(app, "10.0.0.66")
    for _ in range(5):
        _login(guesser, "hr", "guess-12345")
    assert _said(_login(guesser, "hr")) == FAILED  # waiting: the right password is not even checked
    clock.advance(timedelta(seconds=31))
    _login(guesser, "hr", "guess-12345")  # the 6th failure: a minute's wait now
    clock.advance(timedelta(seconds=31))
    assert _said(_login(guesser, "hr")) == FAILED
    clock.advance(timedelta(seconds=30))
    assert _login(guesser, "hr").status_code == 302


def test_the_real_user_on_a_known_device_gets_in_while_an_attacker_fails_20_times(app, hr):
    user = _from(app, "192.168.1.20")
    assert _login(user, "hr").status_code == 302  # the browser becomes a known device of the account
    user.post("/logout")
    attacker = _from(app, "10.0.0.66")
    for _ in range(20):
        clock.advance(timedelta(hours=1, seconds=1))  # whatever the attacker's wait, he waits it out
        assert _said(_login(attacker, "hr", "guess-12345")) == FAILED
    assert _said(_login(attacker, "hr")) == FAILED  # the right password, from the guessing client
    assert _login(user, "hr").status_code == 302
    assert user.get("/orgs/").status_code == 200


def test_guessing_from_many_addresses_locks_only_unknown_clients_until_unlocked(app, db, tree, hr):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    user = _from(app, "192.168.1.20")
    assert _login(user, "hr").status_code == 302
    user.post("/logout")
    for n in range(20):
        _login(_from(app, f"10.0.1.{n}"), "hr", "guess-12345")
    new_browser = _from(app, "192.168.1.21")
    assert _said(_login(new_browser, "hr")) == FAILED  # locked to browsers the account never used
    assert _login(user, "hr").status_code == 302  # its known device passes the lock
    assert db.query(AuditEntry).filter_by(action="auth.locked").count() == 1
    admin = _from(app, "192.168.1.1")
    _login(admin, "admin")
    assert admin.post(f"/accounts/{hr.id}/unlock").status_code == 302
    assert _login(new_browser, "hr").status_code == 302


def test_a_forged_or_foreign_device_cookie_passes_no_lock(app, db, tree, hr):
    make_user(db, "other", tree.county)
    user = _from(app, "192.168.1.20")
    assert _login(user, "other").status_code == 302  # a known device of another account
    user.post("/logout")
    for n in range(20):
        _login(_from(app, f"10.0.1.{n}"), "hr", "guess-12345")
    assert _said(_login(user, "hr")) == FAILED
    forged = _from(app, "192.168.1.22")
    forged.set_cookie("examsys_device", user.get_cookie("examsys_device", path="/login").value[:-3] + "AAA", path="/login")
    assert _said(_login(forged, "hr")) == FAILED


def test_one_message_for_every_failure_whether_or_not_the_account_exists(app, db, tree, hr):
    officer = make_person(db, tree.county_dept)
    make_user(db, "officer", tree.county_dept, person=officer)
    answers = set()
    for identifier in ("hr", "nobody", officer.id_number, "110101198501010018"):
        browser = _from(app, "10.0.2.1")
        for _ in range(7):  # wrong passwords, then waits
            answers.add(_said(_login(browser, identifier, "guess-12345")))
        answers.add(_said(_login(browser, identifier)))  # the right password while waiting
    for n in range(20):
        _login(_from(app, f"10.0.3.{n}"), "hr", "guess-12345")
    answers.add(_said(_login(_from(app, "10.0.4.1"), "hr")))  # locked to unknown clients
    assert answers == {FAILED}


def test_an_administrator_can_end_a_single_clients_wait(app, db, tree, hr):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    admin = _from(app, "192.168.1.1")
    _login(admin, "admin")
    assert "/unlock" not in admin.get(f"/accounts/{hr.id}").get_data(as_text=True)
    user = _from(app, "192.168.1.20")
    for _ in range(5):
        _login(user, "hr", "typo-12345")  # the user's own typos: this browser waits now
    assert f"/accounts/{hr.id}/unlock" in admin.get(f"/accounts/{hr.id}").get_data(as_text=True)
    assert admin.post(f"/accounts/{hr.id}/unlock").status_code == 302
    assert _login(user, "hr").status_code == 302
