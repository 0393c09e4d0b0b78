"""The public register (公示): every credential in force, searchable and paginated, with what the verify
page shows and never an ID number, a reason or a history; no login, no cookie."""
from datetime import timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.domains.models import EnforcementDomain
from tests.credential_fixtures import REVOCATION_CASE
from tests.factories import make_person, make_user


@pytest.fixture
def officers(db, tree, frozen_clock):
    """Five officers of 新城区 and one of 赛罕区 with credentials; one suspended, one revoked."""
    tree.county.is_issuer = True
    tree.other_county.is_issuer = True
    market = EnforcementDomain(code="market", name="市场监管")
    food = EnforcementDomain(code="food", name="食品安全")
    db.add_all([market, food])
    hr = make_user(db, "hr", tree.region, Role.HR_ADMIN)
    issued = {}
    for name, org, issuer in [("王建国", tree.county_dept, tree.county), ("王芳", tree.county_dept, tree.county),
                              ("李明", tree.county_dept, tree.county), ("赵停", tree.county_dept, tree.county),
                              ("钱撤", tree.county_dept, tree.county), ("孙赛", tree.other_dept, tree.other_county)]:
        person = make_person(db, org, name=name, legal_qualification=f"A{name}", domains=[market, food])
        issued[name] = services.issue(db, hr, services.IssueRequest(person.id, issuer.id, [market.id, food.id], issuer.name, "法定授权"))
    services.change(db, hr, issued["赵停"].id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="涉嫌违法执法")
    services.change(db, hr, issued["钱撤"].id, "revoke", case=REVOCATION_CASE, ground="办法第二十一条", decision_number="撤〔2026〕2号", reason="违法执法")
    db.commit()
    return issued


def _page(client, **params):
    response = client.get("/public-register", query_string=params, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    return response.get_data(as_text=True)


def test_the_register_lists_credentials_in_force_with_the_public_facts_only(db, client, officers):
    page = _page(client)
    for name in ("王建国", "王芳", "李明", "孙赛"):
        assert name in page and officers[name].number in page
    assert "钱撤" not in page  # revoked: not in force
    assert "新城区市场监督管理局" in page and "市场监管" in page and "食品安全" in page and str(officers["李明"].valid_to) in page
    assert officers["李明"].person.id_number not in page and "涉嫌违法执法" not in page and "暂〔2026〕1号" not in page
    assert "5 in all" in page


def test_a_suspended_officer_is_listed_as_suspended(db, client, officers):
    page = _page(client, q="赵停")
    assert 'data-verdict="SUSPENDED"' in page and ">SUSPENDED<" in page and 'data-verdict="VALID"' not in page
    assert 'data-verdict="VALID"' in _page(client, q="李明")


def test_search_by_name_number_or_organisation(db, client, officers):
    by_name = _page(client, q="王")
    assert "王建国" in by_name and "王芳" in by_name and "李明" not in by_name
    by_number = _page(client, q=officers["李明"].number)
    assert "李明" in by_number and "王芳" not in by_number
    assert "李明" in _page(client, q=officers["李明"].number[:10].lower())  # the beginning of a number, any case
    by_org = _page(client, q="赛罕区")
    assert "孙赛" in by_org and "王芳" not in by_org


def test_a_wildcard_matches_itself_only(db, client, officers):
    page = _page(client, q="%")
    assert "No officer with a credential in force matches “%”." in page and "王芳" not in page


def test_expired_and_superseded_credentials_leave_the_register(db, client, officers, tree):
    hr = db.query(services.User).filter_by(username="hr").one()
    market = db.query(EnforcementDomain).filter_by(code="market").one()
    replaced = services.issue(db, hr, services.IssueRequest(officers["王芳"].person_id, tree.county.id, [market.id], "新城区", "法定授权"))
    db.commit()
    page = _page(client, q="王芳")
    assert replaced.number in page and officers["王芳"].number not in page
    clock.advance(timedelta(days=365 * 5 + 2))
    assert "No officer with a credential in force matches “李明”." in _page(client, q="李明")


def test_pages_of_the_register_come_from_the_database(app, db, client, officers):
    app.config["PAGE_SIZE"] = 2
    first, third = _page(client), _page(client, page=3)
    assert "5 in all" in first and 'rel="next"' in first
    shown = [name for name in ("王建国", "王芳", "李明", "赵停", "孙赛") if name in first + _page(client, page=2) + third]
    assert len(shown) == 5
    assert sum(name in third for name in ("王建国", "王芳", "李明", "赵停", "孙赛")) == 1


def test_an_empty_register_says_so(db, client, tree):
    assert "No credential is in force yet." in _page(client)


def test_the_register_is_linked_and_rate_limited(app, db, client, officers):
    assert "/public-register" in client.get("/login").get_data(as_text=True)
    app.config["REGISTER_RATE_LIMIT"] = "3 per minute"
    codes = [client.get("/public-register", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_no_cookie_even_for_a_logged_in_visitor(db, client, auth, officers, tree):
    make_user(db, "someone", tree.county, Role.HR_ADMIN)
    auth.login("someone")
    response = client.get("/public-register")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_search_finds_a_name_by_its_pinyin_whole_or_by_initials(db, client, officers):
    for query in ("wangjianguo", "WangJianGuo", "wang jian guo", "wjg", "wangj"):
        page = _page(client, q=query)
        assert "王建国" in page and "王芳" not in page and "李明" not in page, query
    both = _page(client, q="wang")
    assert "王建国" in both and "王芳" in both and "李明" not in both
    assert "王芳" in _page(client, q="wf") and "王建国" not in _page(client, q="wf")
    nothing = _page(client, q="jianguo")  # the pinyin matches from the name's start, not in its middle
    assert "王建国" not in nothing
