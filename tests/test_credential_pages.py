"""HR's credential pages: issue from the person's page (with the reasons when not eligible), list,
change the status with grounds, record the card's return. All scoped."""
from examsys.auth.models import Role
from examsys.credentials.models import Credential, CredentialStatus, RecoveryTask
from examsys.personnel.models import PersonnelKind
from tests.factories import make_person, make_user


def test_issue_list_suspend_and_recover_the_card(db, tree, issuing, client, auth, app):
    app.config["CREDENTIAL_FOUR_EYES"] = False  # the one-step issue page exists only then
    auth.login("issuer-hr")
    officer = issuing["officer"]
    page = client.get(f"/credentials/issue/{officer.id}").get_data(as_text=True)
    assert "Not eligible" not in page
    response = client.post(f"/credentials/issue/{officer.id}", data={"issuer_id": issuing["issuer"].id, "domain_ids": [issuing["market"].id],
                                                                     "region": "新城区", "legal_source": "行政处罚法第十八条"})
    assert response.status_code == 302
    credential = db.query(Credential).one()
    assert credential.number in client.get("/credentials/").get_data(as_text=True)
    refused = client.post(f"/credentials/{credential.id}/change", data={"action": "suspend", "reason": "调查"})
    assert refused.status_code == 422 and "Give the legal ground." in refused.get_data(as_text=True)
    client.post(f"/credentials/{credential.id}/change", data={"action": "suspend", "ground": "办法第二十条", "decision_number": "暂〔2026〕1号",
                                                             "reason": "调查"})
    db.expire_all()
    assert db.get(Credential, credential.id).status is CredentialStatus.SUSPENDED
    task = db.query(RecoveryTask).one()
    client.post(f"/credentials/recoveries/{task.id}", data={"note": "已收回"})
    db.expire_all()
    assert db.get(RecoveryTask, task.id).closed_at is not None


def test_the_issue_page_lists_why_not(db, tree, issuing, client, auth, app):
    app.config["CREDENTIAL_FOUR_EYES"] = False
    helper = make_person(db, tree.county_dept, kind=PersonnelKind.AUXILIARY, duties="协助", directed_by="科室", domains=[issuing["market"]])
    auth.login("issuer-hr")
    page = client.get(f"/credentials/issue/{helper.id}").get_data(as_text=True)
    assert "Not eligible" in page and "Auxiliary staff can never hold an enforcement credential." in page
    response = client.post(f"/credentials/issue/{helper.id}", data={"issuer_id": issuing["issuer"].id, "domain_ids": [issuing["market"].id],
                                                                    "region": "新城区", "legal_source": "x"})
    assert response.status_code == 200 and db.query(Credential).count() == 0


def test_credentials_of_another_county_stay_hidden(db, tree, issuing, client, auth):
    from examsys.credentials import services

    services.issue(db, issuing["hr"], services.IssueRequest(issuing["officer"].id, issuing["issuer"].id, [issuing["market"].id], "新城区", "x"))
    db.commit()
    make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    auth.login("neighbour-hr")
    credential = db.query(Credential).one()
    assert credential.number not in client.get("/credentials/").get_data(as_text=True)
    assert client.get(f"/credentials/{credential.id}").status_code == 404
    assert client.post(f"/credentials/{credential.id}/change", data={"action": "cancel", "ground": "x", "reason": "x"}).status_code == 404
