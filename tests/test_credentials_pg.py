"""On PostgreSQL: twenty approvals at the same moment get twenty different numbers."""
import threading

import pytest

from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.models import Credential
from examsys.db import get_session
from examsys.personnel.models import EnforcementDomain
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
