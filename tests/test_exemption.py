"""The 法律职业资格 exemption (issue 16.6): it needs its evidence (the certificate's number and date) and its own
approval by a second person; it is the ground shown on the credential and in the audit trail."""
from __future__ import annotations

from examsys.audit.models import AuditEntry
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.exemptions.services import LegalExemption
from examsys.credentials.models import Credential
from tests.credential_fixtures import issue_request
from tests.factories import make_person, make_user

EN = {"Accept-Language": "en"}
NOT_QUALIFIED = "No qualification exam passed in the last 12 months."


def test_a_certificate_number_on_the_register_alone_exempts_nobody(db, tree, issuing):
    person = make_person(db, tree.county_dept, domains=[issuing["market"]])
    person.legal_qualification = "A20151101234567"  # what the register import or form records
    db.commit()
    assert NOT_QUALIFIED in services.eligibility(db, person, [issuing["market"].id])


def test_hr_records_the_evidence_a_second_person_approves_and_the_credential_shows_the_ground(db, tree, issuing, client, auth):
    market = issuing["market"]
    person = make_person(db, tree.county_dept, name="免考者", domains=[market])
    make_user(db, "county-hr", tree.county, Role.HR_ADMIN)

    auth.login("county-hr")
    response = client.post(f"/personnel/{person.id}/exemption", data={"certificate_number": "", "certified_on": ""})
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Give the certificate&#39;s number" in page and db.query(LegalExemption).count() == 0  # evidence, or nothing
    client.post(f"/personnel/{person.id}/exemption", data={"certificate_number": "A20151101234567", "certified_on": "2015-11-01"})
    exemption = db.query(LegalExemption).one()
    assert NOT_QUALIFIED in services.eligibility(db, person, [market.id])  # recorded, not yet approved
    response = client.post(f"/personnel/exemptions/{exemption.id}/approve")
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Another person must approve the exemption you recorded." in page  # four eyes
    db.expire_all()
    assert db.get(LegalExemption, exemption.id).approved_at is None
    auth.logout()

    auth.login("issuer-hr")  # a second HR administrator over the person
    page = client.get(f"/personnel/{person.id}", headers=EN).get_data(as_text=True)
    assert "A20151101234567" in page and "2015-11-01" in page
    response = client.post(f"/personnel/exemptions/{exemption.id}/approve")
    assert "The exemption is approved." in client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    db.expire_all()
    assert services.eligibility(db, person, [market.id]) == []

    credential = services.issue(db, issuing["hr"], issue_request(issuing, person))
    db.commit()
    page = client.get(f"/credentials/{credential.id}", headers=EN).get_data(as_text=True)
    assert "exemption: legal professional qualification, certificate no. A20151101234567 of 2015-11-01" in page
    zh = client.get(f"/credentials/{credential.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "免考：法律职业资格，证书编号 A20151101234567（2015-11-01）" in zh
    actions = [e.action for e in db.query(AuditEntry).order_by(AuditEntry.seq) if e.action.startswith("exemption.")]
    assert actions == ["exemption.record", "exemption.approve"]
    issued = db.query(AuditEntry).filter_by(action="credential.issue", target_id=str(credential.id)).one()
    assert issued.after["exemption"] == "A20151101234567 (2015-11-01)"


def test_a_credential_on_a_passed_exam_names_the_exam_as_its_ground(db, issuing, client, auth):
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    assert db.get(Credential, credential.id).exemption_id is None
    auth.login("issuer-hr")
    page = client.get(f"/credentials/{credential.id}", headers=EN).get_data(as_text=True)
    assert '<dd id="qualification-ground">qualification exam</dd>' in page


def test_hr_outside_the_persons_tree_can_neither_record_nor_approve(db, tree, issuing, client, auth):
    person = make_person(db, tree.county_dept, domains=[issuing["market"]])
    make_user(db, "other-hr", tree.other_county, Role.HR_ADMIN)
    auth.login("other-hr")
    assert client.post(f"/personnel/{person.id}/exemption",
                       data={"certificate_number": "A1", "certified_on": "2015-11-01"}).status_code == 404
    assert db.query(LegalExemption).count() == 0
