"""Credentials: issued only to the qualified, numbered without reuse, and a lifecycle that refuses
illegal moves and always leaves a reason, a decision and a card-recovery task behind."""
from datetime import date, timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role, User
from examsys.credentials import services
from examsys.credentials.models import CredentialStatus, RecoveryTask
from examsys.errors import InvalidState, ValidationFailed
from examsys.exams import room
from examsys.exams.models import Attempt
from examsys.personnel.models import EmploymentStatus, EnforcementDomain, PersonnelKind, PersonnelTask, StaffingKind, TaskStatus
from tests.credential_fixtures import REVOCATION_CASE, issue_request
from tests.factories import make_person, make_user


def test_a_qualified_officer_gets_a_numbered_credential(db, issuing):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    assert credential.status is CredentialStatus.ACTIVE and credential.may_enforce()
    assert credential.number.startswith("150102") and len(credential.number) == 15
    assert credential.number[-1] == services.check_character(credential.number[:-1])
    assert credential.valid_to == credential.valid_from.replace(year=credential.valid_from.year + 5) - timedelta(days=1)


@pytest.mark.parametrize(("change", "reason"), [
    (dict(kind=PersonnelKind.AUXILIARY), "Auxiliary staff can never hold an enforcement credential."),
    (dict(employment_status=EmploymentStatus.RETIRED), "Not in post (Retired)."),
    (dict(staffing_kind=StaffingKind.DISPATCHED), "does not allow an enforcement credential"),
])
def test_the_ineligible_are_refused_with_the_reason(db, issuing, change, reason):
    for name, value in change.items():
        setattr(issuing["officer"], name, value)
    with pytest.raises(ValidationFailed) as caught:
        services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    assert any(reason in message for message in caught.value.field_errors["person_id"])


def test_a_failed_candidate_and_one_who_passed_13_months_ago_are_refused(db, tree, issuing):
    failing = issuing["other"]
    failing.domains = [issuing["market"]]
    attempt = db.query(Attempt).filter_by(person_id=failing.id).one()
    user = db.query(User).filter_by(username="candidate2").one()
    token = room.start(db, user, attempt.id)
    room.submit(db, user, attempt.id, token)  # nothing answered: failed
    reasons = services.eligibility(db, failing, [issuing["market"].id])
    assert "No qualification exam passed in the last 12 months." in reasons
    clock.advance(timedelta(days=400))
    reasons = services.eligibility(db, issuing["officer"], [issuing["market"].id])
    assert "No qualification exam passed in the last 12 months." in reasons


def test_a_domain_not_on_the_register_is_refused(db, issuing):
    other = EnforcementDomain(code="environment", name="生态环境")
    db.add(other)
    db.flush()
    assert services.eligibility(db, issuing["officer"], [other.id]) == [
        "The register does not list 生态环境 among this person's domains."]


def test_a_new_credential_supersedes_the_old(db, issuing):
    first = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    second = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    assert first.status is CredentialStatus.SUPERSEDED and not first.may_enforce()
    assert second.predecessor_id == first.id and second.number != first.number


def test_suspend_reinstate_revoke_with_grounds_and_card_recovery(db, issuing):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    with pytest.raises(ValidationFailed) as caught:
        services.change(db, issuing["hr"], credential.id, "suspend", reason="涉嫌违法执法")
    assert {"ground", "decision_number"} <= set(caught.value.field_errors)
    services.change(db, issuing["hr"], credential.id, "suspend", ground="行政执法证件管理办法第二十条", decision_number="新执暂〔2026〕1号",
                    reason="涉嫌违法执法，立案调查期间", until=date(2026, 9, 1))
    assert credential.status is CredentialStatus.SUSPENDED and not credential.may_enforce()
    services.change(db, issuing["hr"], credential.id, "reinstate", reason="调查结束，未发现违法")
    assert credential.may_enforce()
    services.change(db, issuing["hr"], credential.id, "revoke", case=REVOCATION_CASE,
                    ground="行政执法证件管理办法第二十一条", decision_number="新执撤〔2026〕2号",
                    reason="违法执法造成严重后果")
    assert credential.status is CredentialStatus.REVOKED
    with pytest.raises(InvalidState):
        services.change(db, issuing["hr"], credential.id, "reinstate", reason="x")
    tasks = db.query(RecoveryTask).filter_by(credential_id=credential.id).all()
    assert len(tasks) == 2
    assert tasks[0].closed_at is not None and tasks[1].closed_at is None  # the suspension's was closed by the reinstatement
    services.close_recovery(db, issuing["hr"], tasks[1].id, "已收回")
    with pytest.raises(InvalidState):
        services.close_recovery(db, issuing["hr"], tasks[1].id)


def test_past_valid_to_reads_as_expired_at_once(db, issuing):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    assert credential.may_enforce()
    clock.advance(timedelta(days=365 * 5 + 2))
    assert credential.expired() and not credential.may_enforce() and credential.status is CredentialStatus.ACTIVE


def test_cancelling_closes_the_pending_cancel_task_from_personnel(db, issuing):
    from examsys.personnel import services as personnel

    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    personnel.change_employment(db, None, issuing["officer"].id, EmploymentStatus.RETIRED, "退休")
    task = db.query(PersonnelTask).filter_by(person_id=issuing["officer"].id).one()
    assert task.status is TaskStatus.OPEN
    services.change(db, issuing["hr"], credential.id, "cancel", ground="退休", reason="退休注销")
    assert task.status is TaskStatus.DONE and credential.status is CredentialStatus.CANCELLED


def test_hr_of_another_county_cannot_issue_or_change(db, tree, issuing):
    neighbour = make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    from examsys.errors import NotFound

    with pytest.raises(NotFound):
        services.issue(db, neighbour, issue_request(issuing, issuing["officer"]))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    with pytest.raises(NotFound):
        services.change(db, neighbour, credential.id, "cancel", ground="x", reason="x")


def test_numbers_follow_each_other_without_reuse(db, issuing, tree):
    officers = [make_person(db, tree.county_dept, legal_qualification="A20261234567", domains=[issuing["market"]]) for _ in range(3)]
    numbers = [services.issue(db, issuing["hr"], issue_request(issuing, p)).number for p in officers]
    assert [int(n[8:14]) for n in numbers] == [1, 2, 3]
    assert len(set(numbers)) == 3
