"""Measure 24: a revocation is tied to its case (number, decision, date, document), voids the qualification
the credential rested on (a new exam is needed, the legal-qualification exemption no longer stands in) and
bars a new credential for the set period; the supervisors read the cases of their subtree."""
from datetime import timedelta

import pytest

from examsys import clock
from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.bank.models import BankPart
from examsys.credentials import services
from examsys.credentials.cases import RevocationCase
from examsys.credentials.models import CredentialStatus
from examsys.errors import ValidationFailed
from examsys.exams import plans as exam_plans
from examsys.exams import results as exam_results
from examsys.exams.models import Attempt, ExamKind
from tests.credential_fixtures import REVOCATION_CASE, issue_request, pass_exam
from tests.exam_fixtures import SMALL_BLUEPRINT
from tests.factories import exempt, make_user

GROUNDS = dict(ground="办法第二十一条", decision_number="呼执撤〔2025〕7号", reason="违法执法，情节严重")


def test_a_revocation_without_its_case_is_refused_at_each_field(db, issuing):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    with pytest.raises(ValidationFailed) as refused:
        services.change(db, issuing["hr"], credential.id, "revoke", **GROUNDS)
    assert set(refused.value.field_errors) == {"case_number", "decided_on", "document_ref"}
    assert credential.status is CredentialStatus.ACTIVE and db.query(RevocationCase).count() == 0


def test_the_page_records_the_case_and_the_supervisors_list_it(db, tree, issuing, client, auth):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    make_user(db, "county-auditor", tree.county, Role.AUDITOR)
    make_user(db, "neighbour-auditor", tree.other_county, Role.AUDITOR)
    db.commit()
    auth.login("issuer-hr")
    form = {"action": "revoke", **GROUNDS, "case_number": "", "decided_on": "", "document_ref": ""}
    response = client.post(f"/credentials/{credential.id}/change", data=form)
    assert response.status_code == 422 and "Give the number of the case the revocation rests on." in response.get_data(as_text=True)
    form.update(case_number="执监案〔2025〕7号", decided_on="2025-12-01", document_ref="呼执撤〔2025〕7号决定书")
    assert client.post(f"/credentials/{credential.id}/change", data=form).status_code == 302
    db.expire_all()
    assert credential.status is CredentialStatus.REVOKED
    entry = db.query(AuditEntry).filter_by(action="credential.revoke").one()
    assert entry.after["case_number"] == "执监案〔2025〕7号" and entry.after["document_ref"] == "呼执撤〔2025〕7号决定书"
    auth.logout()
    auth.login("county-auditor")
    page = client.get("/credentials/cases").get_data(as_text=True)
    assert "执监案〔2025〕7号" in page and "2025-12-01" in page and credential.number in page and "Revocation cases" in page
    auth.logout()
    auth.login("neighbour-auditor")
    assert "执监案〔2025〕7号" not in client.get("/credentials/cases").get_data(as_text=True)


def test_the_revocation_voids_the_qualification_and_bars_a_new_one(app, db, tree, issuing):
    officer = issuing["officer"]
    exempt(db, officer, "A20240001")  # the exemption does not outlive a revocation either
    credential = services.issue(db, issuing["hr"], issue_request(issuing, officer))
    clock.advance(timedelta(days=30))
    services.change(db, issuing["hr"], credential.id, "revoke", case=REVOCATION_CASE, **GROUNDS)
    reasons = services.eligibility(db, officer, [issuing["market"].id])
    assert any("no new one for 3 years" in r for r in reasons)  # the default bar is not 0
    assert any("voided the qualification" in r for r in reasons), reasons
    app.config["CREDENTIAL_BAR_YEARS_AFTER_REVOCATION"] = 0
    assert any("voided the qualification" in r for r in services.eligibility(db, officer, [issuing["market"].id]))
    # A qualification exam passed after the revocation (and the bar) qualifies again.
    clock.advance(timedelta(days=2))
    now = clock.now()
    plan = exam_plans.create_plan(db, issuing["admin"], name="补考资格", kind=ExamKind.QUALIFICATION, org_id=tree.region.id,
                             part=BankPart.COMMON, domain_id=None, opens_at=now - timedelta(minutes=5),
                             closes_at=now + timedelta(hours=4), duration_minutes=60, sections=SMALL_BLUEPRINT)
    exam_plans.open_plan(db, issuing["admin"], plan.id)
    pass_exam(db, issuing["candidate"], db.query(Attempt).filter_by(plan_id=plan.id, person_id=officer.id).one())
    exam_results.publish_results(db, issuing["admin"], plan.id)
    assert services.eligibility(db, officer, [issuing["market"].id]) == []
