"""The verify page's answer cache: reused while nothing it depends on changed, dropped at once by a status
change made anywhere (another worker, another app node), and never stretching an e-card code's life."""
from datetime import timedelta

import pytest

from examsys import clock, create_app
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from examsys.credentials.public.verification import answer, token_for
from examsys.credentials.status import current_version
from examsys.db import engine_for, get_session
from tests.conftest import TEST_CONFIG
from tests.credential_fixtures import REVOCATION_CASE, issue_request


@pytest.fixture
def issued(app, db, issuing, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    return credential, token_for(credential), issuing


def verdict(client, token: str, language: str = "en") -> tuple[str, str]:
    page = client.get(f"/V/{token}", headers={"Accept-Language": language}).get_data(as_text=True)
    return page.split('data-verdict="')[1].split('"')[0], page


def test_the_status_version_moves_with_status_changes_only(app, db, issued):
    credential, _token, issuing = issued
    before = current_version()
    assert before >= 1  # the issue moved it
    issuing["officer"].name = "改名"  # not a status change
    db.commit()
    assert current_version() == before
    services.change(db, issuing["hr"], credential.id, "suspend", ground="办法第二十条", decision_number="暂1号", reason="调查")
    db.rollback()  # a change that is not committed moves nothing
    assert current_version() == before
    with db.begin_nested():  # a change inside a savepoint counts when the transaction commits
        services.change(db, issuing["hr"], credential.id, "suspend", ground="办法第二十条", decision_number="暂1号", reason="调查")
    assert current_version() == before
    db.commit()
    assert current_version() == before + 1


def test_an_answer_is_reused_until_something_changes(app, db, client, issued):
    credential, token, issuing = issued
    with app.test_request_context():
        first = answer(token)
        assert answer(token) is first  # nothing changed
    services.change(db, issuing["hr"], credential.id, "suspend", ground="办法第二十条", decision_number="暂1号", reason="调查")
    db.commit()
    with app.test_request_context():
        second = answer(token)
        assert second is not first and second.verdict.verdict == "SUSPENDED"
    clock.advance(timedelta(seconds=app.config["VERIFY_CACHE_SECONDS"] + 1))
    with app.test_request_context():
        assert answer(token) is not second  # at most VERIFY_CACHE_SECONDS old


def test_a_change_made_by_another_worker_shows_at_once(app, db, client, issued, database_url):
    """Two app instances on one database stand for two gunicorn workers (or two app nodes)."""
    credential, token, _issuing = issued
    assert verdict(client, token)[0] == "VALID"
    other = create_app(dict(TEST_CONFIG, DATABASE_URL=database_url, KEY_DIR=app.config["KEY_DIR"]))
    try:
        with other.app_context():
            session = get_session()
            from examsys.auth.models import User

            hr = session.query(User).filter_by(username="issuer-hr").one()
            services.change(session, hr, credential.id, "revoke", case=REVOCATION_CASE, ground="办法第二十一条", decision_number="撤1号", reason="违法")
            session.commit()
    finally:
        engine_for(other).dispose()
    assert verdict(client, token)[0] == "NOT VALID"


def test_the_cached_page_tells_each_visitor_its_own_time_and_language(db, client, issued):
    _credential, token, _ = issued
    _verdict, first = verdict(client, token)
    clock.advance(timedelta(seconds=7))
    _verdict, second = verdict(client, token)
    as_of = [page.split('class="as-of">')[1].split("<")[0] for page in (first, second)]
    assert as_of[0] != as_of[1] and as_of[1].endswith(":07")
    word, chinese = verdict(client, token, "zh-CN")
    assert word == "VALID" and ">有效<" in chinese and "As of" not in chinese


def test_the_json_answer_follows_a_change_at_once(db, client, issued):
    credential, token, issuing = issued
    assert client.get(f"/api/verify/{token}").get_json()["verdict"] == "VALID"
    services.change(db, issuing["hr"], credential.id, "suspend", ground="办法第二十条", decision_number="暂1号", reason="调查")
    db.commit()
    body = client.get(f"/api/verify/{token}").get_json()
    assert body["verdict"] == "SUSPENDED" and body["as_of"].startswith(clock.now().date().isoformat())


def test_a_new_key_set_is_read_at_once(app, db, client, issued, tmp_path):
    credential, token, _ = issued
    assert verdict(client, token)[0] == "VALID"
    KeyStore(app.config["KEY_DIR"]).revoke(1, clock.now())  # a compromised key: its signatures stop counting
    assert verdict(client, token)[0] == "NOT VALID"


def test_the_verify_page_is_rate_limited_per_address_even_when_answers_are_cached(app, db, client, issued):
    _credential, token, _ = issued
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    one, other = {"REMOTE_ADDR": "198.51.100.1"}, {"REMOTE_ADDR": "198.51.100.2"}
    assert [client.get(f"/V/{token}", environ_base=one).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = client.get(f"/V/{token}", environ_base=one)
    assert refused.status_code == 429
    assert client.get(f"/V/{token}", environ_base=other).status_code == 200
    assert "Set-Cookie" not in refused.headers
