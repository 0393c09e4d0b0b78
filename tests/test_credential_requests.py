"""Issuing with four eyes: HR of the officer's department requests, HR of the issuing authority approves
(the number is given then) or returns with a reason; renewal from six months before expiry with a passed
renewal exam; replacement of a lost card with a new number and the old valid_to. All audited and scoped."""
from datetime import UTC, date, datetime, timedelta

import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.bank.models import BankPart
from examsys.credentials import requests, services
from examsys.credentials.models import CardLoss, Credential, CredentialStatus, RecoveryTask, RequestKind, RequestStatus
from examsys.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from examsys.exams import plans as exam_plans
from examsys.exams import results as exam_results
from examsys.exams.models import Attempt, ExamKind
from examsys.personnel import training
from examsys.personnel.models import EmploymentStatus, PersonnelKind
from tests.credential_fixtures import draft, issue_request, pass_exam
from tests.exam_fixtures import SMALL_BLUEPRINT
from tests.factories import make_person, make_user


def test_request_then_approve_gives_a_numbered_credential(db, requesting):
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    assert item.status is RequestStatus.PENDING and item.kind is RequestKind.ISSUE
    assert db.query(Credential).count() == 0  # no number before approval
    credential = requests.approve(db, requesting["hr"], item.id)
    assert item.status is RequestStatus.APPROVED and item.issued is credential and item.decided_by_id == requesting["hr"].id
    assert credential.may_enforce() and credential.number.startswith("150102") and credential.region == "新城区"
    actions = [e.action for e in requests.history(db, item)]
    assert actions == ["credential_request.create", "credential_request.approve"]
    assert db.query(AuditEntry).filter_by(action="credential.issue", target_id=str(credential.id)).count() == 1
    with pytest.raises(InvalidState):
        requests.approve(db, requesting["hr"], item.id)


def test_return_with_a_reason_then_amend_and_approve(db, requesting):
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting, region="新城"))
    with pytest.raises(ValidationFailed) as caught:
        requests.send_back(db, requesting["hr"], item.id, "  ")
    assert caught.value.field_errors == {"reason": ["Say why the request is returned."]}
    requests.send_back(db, requesting["hr"], item.id, "执法区域应写全称")
    assert item.status is RequestStatus.RETURNED and item.return_reason == "执法区域应写全称"
    with pytest.raises(InvalidState):
        requests.approve(db, requesting["hr"], item.id)
    requests.amend(db, requesting["requester"], item.id, draft(requesting, region="呼和浩特市新城区"))
    assert item.status is RequestStatus.PENDING
    credential = requests.approve(db, requesting["hr"], item.id)
    assert credential.region == "呼和浩特市新城区"
    assert [e.action for e in requests.history(db, item)] == [
        "credential_request.create", "credential_request.return", "credential_request.amend", "credential_request.approve"]


def test_the_requester_cannot_approve_their_own_request(db, app, requesting):
    item = requests.request_issue(db, requesting["hr"], requesting["officer"].id, draft(requesting))
    with pytest.raises(PermissionDenied) as caught:
        requests.approve(db, requesting["hr"], item.id)
    assert "four eyes" in caught.value.message
    assert item.status is RequestStatus.PENDING and db.query(Credential).count() == 0
    assert not requests.may_decide(requesting["hr"], item)
    app.config["CREDENTIAL_FOUR_EYES"] = False  # issuing set to one step
    assert requests.approve(db, requesting["hr"], item.id).may_enforce()


def test_hr_outside_the_issuers_subtree_cannot_approve(db, tree, requesting):
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    colleague = make_user(db, "dept-hr2", tree.county_dept, Role.HR_ADMIN)  # sees the request, is below the issuer
    with pytest.raises(PermissionDenied):
        requests.approve(db, colleague, item.id)
    with pytest.raises(PermissionDenied):
        requests.send_back(db, colleague, item.id, "x")
    neighbour = make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    with pytest.raises(NotFound):
        requests.approve(db, neighbour, item.id)
    with pytest.raises(NotFound):
        requests.get_request(db, neighbour, item.id)
    assert item.status is RequestStatus.PENDING
    assert [r.id for r in db.scalars(requests.queue_query(db, requesting["hr"], requests.RequestFilter()))] == [item.id]
    assert list(db.scalars(requests.queue_query(db, colleague, requests.RequestFilter()))) == []
    assert list(db.scalars(requests.requests_query(db, neighbour, requests.RequestFilter()))) == []


def test_the_issuer_must_be_at_or_above_the_persons_organisation(db, tree, requesting):
    tree.other_county.is_issuer = True
    with pytest.raises(ValidationFailed) as caught:
        requests.request_issue(db, requesting["hr"], requesting["officer"].id, draft(requesting, issuer_id=tree.other_county.id))
    assert "issuer_id" in caught.value.field_errors


def test_an_ineligible_person_is_refused_with_every_reason_and_cannot_be_approved(db, tree, requesting):
    helper = make_person(db, tree.county_dept, kind=PersonnelKind.AUXILIARY, domains=[requesting["market"]])
    with pytest.raises(ValidationFailed) as caught:
        requests.request_issue(db, requesting["requester"], helper.id, draft(requesting))
    assert "Auxiliary staff can never hold an enforcement credential." in caught.value.field_errors["person_id"]
    assert "No qualification exam passed in the last 12 months." in caught.value.field_errors["person_id"]
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    requesting["officer"].employment_status = EmploymentStatus.RETIRED  # leaves post while the request waits
    assert requests.current_reasons(db, item) == ["Not in post (Retired)."]
    with pytest.raises(ValidationFailed) as caught:
        requests.approve(db, requesting["hr"], item.id)
    assert caught.value.field_errors == {"person_id": ["Not in post (Retired)."]}
    assert item.status is RequestStatus.PENDING and db.query(Credential).count() == 0


def test_one_open_request_per_person_until_withdrawn(db, requesting):
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    with pytest.raises(InvalidState) as caught:
        requests.request_issue(db, requesting["hr"], requesting["officer"].id, draft(requesting))
    assert "already has an open request" in caught.value.message
    requests.withdraw(db, requesting["requester"], item.id)
    assert item.status is RequestStatus.WITHDRAWN
    with pytest.raises(InvalidState):
        requests.withdraw(db, requesting["requester"], item.id)
    again = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    assert again.status is RequestStatus.PENDING


def _renewal_exam(db, tree, requesting) -> Attempt:
    now = clock.now()
    plan = exam_plans.create_plan(db, requesting["admin"], name="延续考试", kind=ExamKind.RENEWAL, org_id=tree.region.id,
                             part=BankPart.COMMON, domain_id=None, opens_at=now - timedelta(minutes=5),
                             closes_at=now + timedelta(hours=4), duration_minutes=60, sections=SMALL_BLUEPRINT)
    exam_plans.open_plan(db, requesting["admin"], plan.id)
    return db.query(Attempt).filter_by(plan_id=plan.id, person_id=requesting["officer"].id).one()


def test_renewal_opens_six_months_before_expiry_and_needs_a_renewal_exam(db, tree, requesting):
    old = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    assert old.valid_to == date(2031, 5, 31)
    with pytest.raises(InvalidState) as caught:
        requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    assert caught.value.message == "Renewal opens on 2030-12-01, 6 months before the credential expires."
    clock.freeze(datetime(2030, 12, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(ValidationFailed) as caught:  # the qualification exam of 2026 is too old
        requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    assert caught.value.field_errors["person_id"][0] == ("No renewal or qualification exam passed in the last 12 months.")
    renewal = _renewal_exam(db, tree, requesting)
    pass_exam(db, requesting["candidate"], renewal)
    with pytest.raises(ValidationFailed):  # passed, but until the results are published the pass does not count
        requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    exam_results.publish_results(db, requesting["admin"], renewal.plan_id)
    for year in (2027, 2028, 2029):  # the training hours a renewal needs (tests/test_training.py)
        training.add_training(db, requesting["hr"], requesting["officer"].id, training.TrainingEntry("法治培训", "", date(year, 5, 1), 60))
    item = requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    assert item.kind is RequestKind.RENEWAL and item.credential is old
    new = requests.approve(db, requesting["hr"], item.id)
    assert old.status is CredentialStatus.SUPERSEDED and new.predecessor_id == old.id and new.number != old.number
    assert (new.valid_from, new.valid_to) == (date(2030, 12, 1), date(2035, 11, 30)) and new.may_enforce()


def test_an_expired_credential_is_not_renewed(db, requesting):
    old = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    clock.freeze(datetime(2031, 6, 2, 9, 0, tzinfo=UTC))
    with pytest.raises(InvalidState) as caught:
        requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    assert "expired on 2031-05-31" in caught.value.message and "qualification exam" in caught.value.message


def test_a_suspended_credential_is_not_renewed_or_replaced(db, requesting):
    old = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    services.change(db, requesting["hr"], old.id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="调查")
    clock.freeze(datetime(2031, 1, 5, 9, 0, tzinfo=UTC))
    with pytest.raises(InvalidState):
        requests.request_renewal(db, requesting["requester"], old.id, draft(requesting))
    with pytest.raises(InvalidState):
        requests.request_replacement(db, requesting["requester"], old.id, requests.RequestDraft(
            card_loss=CardLoss.LOST, loss_declared=True, reason="遗失"))


def test_a_lost_card_is_replaced_with_a_new_number_and_the_old_valid_to(db, requesting):
    old = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    clock.advance(timedelta(days=500))  # long after the exam: a replacement needs no new exam
    with pytest.raises(ValidationFailed) as caught:
        requests.request_replacement(db, requesting["requester"], old.id, requests.RequestDraft(card_loss=CardLoss.LOST, reason="执法途中遗失"))
    assert set(caught.value.field_errors) == {"loss_declared"}
    item = requests.request_replacement(db, requesting["requester"], old.id, requests.RequestDraft(
        card_loss=CardLoss.LOST, loss_declared=True, reason="执法途中遗失"))
    new = requests.approve(db, requesting["hr"], item.id)
    assert old.status is CredentialStatus.CANCELLED and not old.may_enforce()
    assert new.number != old.number and new.valid_to == old.valid_to and new.may_enforce()
    assert [d.id for d in new.domains] == [d.id for d in old.domains] and new.predecessor_id == old.id
    assert db.query(RecoveryTask).count() == 0  # a lost card cannot be taken back
    event = services.events_of(db, old)[-1]
    assert (event.action, event.ground) == ("cancel", "Card lost") and new.number in event.reason
    assert db.query(AuditEntry).filter_by(action="credential.cancel", target_id=str(old.id)).count() == 1


def test_a_damaged_card_is_handed_in(db, requesting):
    old = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    item = requests.request_replacement(db, requesting["requester"], old.id, requests.RequestDraft(card_loss=CardLoss.DAMAGED, reason="卡面破损"))
    requests.approve(db, requesting["hr"], item.id)
    assert [t.credential_id for t in db.query(RecoveryTask)] == [old.id]


def test_one_step_issuing_only_when_four_eyes_is_off(db, app, requesting):
    with pytest.raises(PermissionDenied):
        requests.issue_directly(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    app.config["CREDENTIAL_FOUR_EYES"] = False
    assert requests.issue_directly(db, requesting["hr"], issue_request(requesting, requesting["officer"])).may_enforce()
