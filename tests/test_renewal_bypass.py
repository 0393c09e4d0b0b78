"""Rule 5 and rule 14 without holes: a current holder is renewed, not issued a fresh credential for the same
domains; a suspended credential is not replaced behind the suspension; only published results count."""
import pytest

from examsys.auth.models import Role
from examsys.credentials import requests, services
from examsys.credentials.models import CredentialStatus, RequestKind
from examsys.errors import ValidationFailed
from examsys.exams import results as exam_results
from examsys.exams.models import Attempt
from examsys.orgs.issuers import designate_issuer
from examsys.personnel import services as personnel
from examsys.personnel.models import EnforcementDomain
from tests.credential_fixtures import draft, issue_request
from tests.factories import make_user


def _refusals(caught) -> str:
    return " ".join(caught.value.field_errors.get("person_id", []))


def test_a_holder_is_not_issued_a_fresh_credential_for_the_same_domains(db, requesting):
    services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    with pytest.raises(ValidationFailed) as caught:
        requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    assert "request its renewal (from 2030-12-01), not a new credential" in _refusals(caught)


def test_a_holder_may_ask_for_a_credential_that_adds_a_domain(db, requesting):
    services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    environment = EnforcementDomain(code="environment", name="生态环境")
    db.add(environment)
    requesting["officer"].domains.append(environment)
    db.flush()
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id,
                                  draft(requesting, domain_ids=[requesting["market"].id, environment.id]))
    assert item.kind is RequestKind.ISSUE
    new = requests.approve(db, requesting["hr"], item.id)
    assert sorted(d.code for d in new.domains) == ["environment", "market"]


def test_a_suspension_is_not_bypassed_by_a_fresh_credential(app, db, requesting):
    credential = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    services.change(db, requesting["hr"], credential.id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="立案调查")
    with pytest.raises(ValidationFailed) as caught:
        requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    assert f"Credential {credential.number} is suspended" in _refusals(caught)
    app.config["CREDENTIAL_FOUR_EYES"] = False  # the one-step path checks the same
    with pytest.raises(ValidationFailed) as caught:
        requests.issue_directly(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    assert f"Credential {credential.number} is suspended" in _refusals(caught)
    assert credential.status is CredentialStatus.SUSPENDED


def test_after_a_standing_change_the_new_issuer_may_re_issue(db, tree, requesting):
    """Transferred out of the issuer's area: suspended, and re-issuing by the new area's authority is one of
    the decisions; the new credential supersedes the suspended one and closes the decision."""
    credential = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    designate_issuer(db, None, tree.other_county.id)
    personnel.transfer_person(db, requesting["hr"], requesting["officer"].id, tree.other_dept.id, "调令〔2026〕3号")
    assert credential.status is CredentialStatus.SUSPENDED
    requester = make_user(db, "other-dept-hr", tree.other_dept, Role.HR_ADMIN)
    item = requests.request_issue(db, requester, requesting["officer"].id, draft(requesting, issuer_id=tree.other_county.id, region="赛罕区"))
    new = requests.approve(db, requesting["hr"], item.id)
    assert credential.status is CredentialStatus.SUPERSEDED and new.issuer_id == tree.other_county.id and new.may_enforce()
    assert requests.open_decision(db, new) is None


def test_only_published_results_count(db, tree, exam):
    from tests.credential_fixtures import pass_exam

    market = EnforcementDomain(code="market", name="市场监管")
    db.add(market)
    exam["officer"].domains = [market]
    attempt = db.query(Attempt).filter_by(person_id=exam["officer"].id).one()
    pass_exam(db, exam["candidate"], attempt)
    assert "No qualification exam passed in the last 12 months." in services.eligibility(db, exam["officer"], [market.id])
    exam_results.publish_results(db, exam["admin"], exam["plan"].id)
    assert services.eligibility(db, exam["officer"], [market.id]) == []
