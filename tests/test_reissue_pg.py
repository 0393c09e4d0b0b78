"""On PostgreSQL: two runs of the same re-issuance campaign at once (two HR pages, or the page and the
command line) share the work and issue each officer once."""
import threading
from datetime import timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials.models import Credential, CredentialStatus, ReissueItem, ReissueState
from examsys.credentials.reissue import services as reissue
from examsys.db import get_session
from examsys.domains.models import EnforcementDomain
from examsys.personnel import campaigns as cleanup
from examsys.personnel.models import ItemState
from tests.factories import make_person, make_user

pytestmark = pytest.mark.pg


def test_two_runs_at_once_issue_each_officer_once(app, db, tree):
    tree.county.is_issuer = True
    market = EnforcementDomain(code="market", name="市场监管")
    db.add(market)
    hr = make_user(db, "hr", tree.league, Role.HR_ADMIN)
    people = [make_person(db, tree.county_dept, legal_qualification=f"A2026{n:08d}", domains=[market]) for n in range(30)]
    campaign = cleanup.open_campaign(db, hr, tree.league.id, "清理", clock.now().date() + timedelta(days=30))
    for item in campaign.items:
        cleanup.decide(db, hr, item.id, ItemState.CONFIRMED)
    plan = reissue.ReissuePlan(org_id=tree.league.id, cleanup_id=campaign.id, name="换发", decision_number="政〔2026〕1号",
                               issuer_id=tree.county.id, region="新城区", legal_source="法定授权")
    reissued = reissue.open_campaign(db, hr, plan)
    db.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def runner() -> None:
        with app.app_context():
            session = get_session()
            actor = session.get(type(hr), hr.id)
            barrier.wait()
            try:
                while True:
                    result = reissue.run(session, actor, reissued.id, seconds=0.05)
                    session.commit()
                    if result.counts.pending == 0 or not (result.issued or result.ineligible):
                        break
            except BaseException as exc:  # noqa: BLE001 - reported below
                session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.rollback()
    assert db.query(ReissueItem).filter_by(state=ReissueState.ISSUED).count() == len(people)
    per_person = {}
    for credential in db.query(Credential).filter(Credential.status == CredentialStatus.ACTIVE):
        per_person[credential.person_id] = per_person.get(credential.person_id, 0) + 1
    assert len(per_person) == len(people) and set(per_person.values()) == {1}
    assert db.query(Credential).count() == len(people)  # nobody issued twice (a second would supersede the first)
