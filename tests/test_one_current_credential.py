"""Rule 4 as a database constraint: at most one credential per person that has not ended (active or
suspended), whatever path inserts it; a race between two approvals ends with one credential and a clear
refusal. The concurrent case runs on PostgreSQL (pytest -m pg with EXAMSYS_TEST_DATABASE_URL)."""
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from examsys.credentials import services
from examsys.credentials.models import Credential, CredentialStatus
from examsys.db import get_session
from examsys.errors import InvalidState
from tests.credential_fixtures import issue_request


def _copy(credential: Credential, number: str) -> Credential:
    return Credential(number=number, public_id=number.ljust(16, "0")[:16], person_id=credential.person_id, org_id=credential.org_id,
                      issuer_id=credential.issuer_id, region=credential.region, legal_source=credential.legal_source,
                      valid_from=credential.valid_from, valid_to=credential.valid_to)


@pytest.mark.parametrize("status", [CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED])
def test_the_database_refuses_a_second_current_credential(db, issuing, status):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    credential.status = status
    db.commit()
    db.add(_copy(credential, "999999990000011"))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_ended_credentials_do_not_count(db, issuing):
    first = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    second = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))  # supersedes the first
    db.commit()
    assert (first.status, second.status) == (CredentialStatus.SUPERSEDED, CredentialStatus.ACTIVE)
    old = _copy(first, "999999990000022")
    old.status = CredentialStatus.CANCELLED
    db.add(old)
    db.commit()
    assert db.query(Credential).filter_by(person_id=issuing["officer"].id).count() == 3


@pytest.mark.pg
def test_concurrent_issues_for_one_person_leave_one_current_credential(app, db, issuing):
    """Five approvals for the same officer at the same moment (each read "no current credential" before
    any committed): one credential is issued, the others are refused with a message, none is a 500."""
    person_id, hr_id = issuing["officer"].id, issuing["hr"].id
    request = issue_request(issuing, issuing["officer"])
    outcomes: list[object] = []
    barrier = threading.Barrier(5)

    def approve() -> None:
        with app.app_context():
            session = get_session()
            actor = session.get(type(issuing["hr"]), hr_id)
            barrier.wait()
            try:
                services.issue(session, actor, request)
                session.commit()
                outcomes.append("issued")
            except BaseException as exc:  # noqa: BLE001 - reported below
                session.rollback()
                outcomes.append(exc)

    threads = [threading.Thread(target=approve) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.rollback()
    current = db.query(Credential).filter(Credential.person_id == person_id,
                                          Credential.status.in_([CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED])).all()
    assert len(current) == 1
    refused = [o for o in outcomes if o != "issued"]
    assert all(isinstance(o, InvalidState) and "was issued a credential a moment ago" in o.message for o in refused), refused
    assert outcomes.count("issued") + len(refused) == 5
