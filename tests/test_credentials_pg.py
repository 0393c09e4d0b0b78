"""On PostgreSQL: twenty approvals at the same moment get twenty different numbers."""
import threading

import pytest

from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.models import Credential
from examsys.db import get_session
from examsys.domains.models import EnforcementDomain
from tests.factories import make_person, make_user

pytestmark = pytest.mark.pg


def test_twenty_concurrent_approvals_get_twenty_distinct_numbers(app, db, tree):
    tree.county.is_issuer = True
    market = EnforcementDomain(code="market", name="市场监管")
    db.add(market)
    hr = make_user(db, "issuer-hr", tree.region, Role.HR_ADMIN)
    people = [make_person(db, tree.county_dept, legal_qualification=f"A2026{n:08d}", domains=[market]) for n in range(20)]
    db.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def approve(person_id: int) -> None:
        with app.app_context():
            session = get_session()
            actor = session.get(type(hr), hr.id)
            barrier.wait()
            try:
                services.issue(session, actor, services.IssueRequest(person_id, tree.county.id, [market.id], "新城区", "法定授权"))
                session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=approve, args=(p.id,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.rollback()
    numbers = [c.number for c in db.query(Credential)]
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert sorted(int(n[8:14]) for n in numbers) == list(range(1, 21))


def test_twenty_concurrent_request_approvals_get_twenty_distinct_numbers(app, db, tree):
    """The same through the four-eyes path: twenty requests, approved at once by the issuing authority."""
    from examsys.credentials.models import CredentialRequest, RequestStatus
    from examsys.credentials.requests import services as requests

    tree.county.is_issuer = True
    market = EnforcementDomain(code="market", name="市场监管")
    db.add(market)
    requester = make_user(db, "dept-hr", tree.county_dept, Role.HR_ADMIN)
    approver = make_user(db, "issuer-hr", tree.county, Role.HR_ADMIN)
    people = [make_person(db, tree.county_dept, legal_qualification=f"A2027{n:08d}", domains=[market]) for n in range(20)]
    ids = [requests.request_issue(db, requester, p.id, requests.RequestDraft(tree.county.id, [market.id], "新城区", "法定授权")).id
           for p in people]
    db.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def approve(request_id: int) -> None:
        with app.app_context():
            session = get_session()
            actor = session.get(type(approver), approver.id)
            barrier.wait()
            try:
                requests.approve(session, actor, request_id)
                session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.rollback()
    numbers = [c.number for c in db.query(Credential)]
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert sorted(int(n[8:14]) for n in numbers) == list(range(1, 21))
    assert {r.status for r in db.query(CredentialRequest)} == {RequestStatus.APPROVED}


def test_two_requests_for_one_person_at_the_same_moment_leave_one_open(app, db, tree):
    from examsys.credentials.models import CredentialRequest
    from examsys.credentials.requests import services as requests
    from examsys.errors import InvalidState

    tree.county.is_issuer = True
    market = EnforcementDomain(code="market", name="市场监管")
    db.add(market)
    staff = [make_user(db, f"dept-hr{n}", tree.county_dept, Role.HR_ADMIN) for n in range(2)]
    person = make_person(db, tree.county_dept, legal_qualification="A202700000001", domains=[market])
    db.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit(user_id: int) -> None:
        with app.app_context():
            session = get_session()
            actor = session.get(type(staff[0]), user_id)
            barrier.wait()
            try:
                requests.request_issue(session, actor, person.id, requests.RequestDraft(tree.county.id, [market.id], "新城区", "法定授权"))
                session.commit()
                outcomes.append("made")
            except InvalidState:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=submit, args=(u.id,)) for u in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["made", "refused"]
    db.rollback()
    assert db.query(CredentialRequest).count() == 1
