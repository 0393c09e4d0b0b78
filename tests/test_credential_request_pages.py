"""The request pages: the department's HR requests from the person's page, the issuing authority works
its queue (approve, or return with a reason), the requester amends; renewal and replacement forms; scope."""
from datetime import UTC, datetime

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.models import Credential, CredentialRequest, CredentialStatus, RequestStatus
from examsys.credentials.requests import services as requests
from tests.credential_fixtures import draft, issue_request
from tests.factories import make_person, make_user


def _form(issuing, **over):
    values = {"issuer_id": issuing["issuer"].id, "domain_ids": [issuing["market"].id], "region": "新城区",
              "legal_source": "《中华人民共和国行政处罚法》第十八条"}
    values.update(over)
    return values


def test_request_return_amend_approve_through_the_pages(db, requesting, client, auth):
    officer = requesting["officer"]
    auth.login("dept-hr")
    person_page = client.get(f"/personnel/{officer.id}").get_data(as_text=True)
    assert f"/credentials/requests/new/{officer.id}" in person_page and "Issue a credential" not in person_page
    assert client.get(f"/credentials/issue/{officer.id}").headers["Location"].endswith(f"/credentials/requests/new/{officer.id}")
    assert client.post(f"/credentials/issue/{officer.id}", data=_form(requesting)).status_code == 403  # no one-step issuing
    form_page = client.get(f"/credentials/requests/new/{officer.id}").get_data(as_text=True)
    assert "Not eligible" not in form_page and requesting["issuer"].name in form_page
    refused = client.post(f"/credentials/requests/new/{officer.id}", data=_form(requesting, region=""))
    assert refused.status_code == 422 and "Name the region of enforcement." in refused.get_data(as_text=True)
    response = client.post(f"/credentials/requests/new/{officer.id}", data=_form(requesting, region="新城"))
    assert response.status_code == 302
    item = db.query(CredentialRequest).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Awaiting approval" in page and "Approve and issue" not in page and "Withdraw the request" in page
    assert client.get("/credentials/requests/").headers["Location"].endswith("/credentials/requests/mine")  # no issuer in scope

    auth.logout()
    auth.login("issuer-hr")
    queue = client.get("/credentials/requests/").get_data(as_text=True)
    assert officer.name in queue and f"/credentials/requests/{item.id}" in queue
    assert "Approve and issue" in client.get(f"/credentials/requests/{item.id}").get_data(as_text=True)
    refused = client.post(f"/credentials/requests/{item.id}/return", data={"reason": ""})
    assert refused.status_code == 422 and "Say why the request is returned." in refused.get_data(as_text=True)
    assert client.post(f"/credentials/requests/{item.id}/return", data={"reason": "执法区域应写全称"}).status_code == 302
    assert officer.name not in client.get("/credentials/requests/").get_data(as_text=True)  # the queue shows pending ones

    auth.logout()
    auth.login("dept-hr")
    mine = client.get("/credentials/requests/mine").get_data(as_text=True)
    assert officer.name in mine and "Returned" in mine
    amend_page = client.get(f"/credentials/requests/{item.id}/amend").get_data(as_text=True)
    assert "执法区域应写全称" in amend_page and 'value="新城"' in amend_page
    assert client.post(f"/credentials/requests/{item.id}/amend", data=_form(requesting, region="呼和浩特市新城区")).status_code == 302

    auth.logout()
    auth.login("issuer-hr")
    response = client.post(f"/credentials/requests/{item.id}/approve")
    assert response.status_code == 302
    credential = db.query(Credential).one()
    assert credential.region == "呼和浩特市新城区"
    assert credential.number in client.get(response.headers["Location"]).get_data(as_text=True)
    history = client.get(f"/credentials/requests/{item.id}").get_data(as_text=True)
    assert credential.number in history and "执法区域应写全称" in history


def test_the_requester_sees_no_approve_button_and_cannot_approve(db, requesting, client, auth):
    item = requests.request_issue(db, requesting["hr"], requesting["officer"].id, draft(requesting))
    db.commit()
    auth.login("issuer-hr")
    page = client.get(f"/credentials/requests/{item.id}").get_data(as_text=True)
    assert "Approve and issue" not in page and "Awaiting approval by another person" in page
    assert client.post(f"/credentials/requests/{item.id}/approve").status_code == 403
    assert db.query(Credential).count() == 0


def test_an_ineligible_request_shows_the_reasons_and_is_not_approved(db, requesting, client, auth):
    from examsys.personnel.models import EmploymentStatus

    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    requesting["officer"].employment_status = EmploymentStatus.RETIRED
    db.commit()
    auth.login("issuer-hr")
    assert "Not eligible now" in client.get("/credentials/requests/").get_data(as_text=True)
    page = client.get(f"/credentials/requests/{item.id}").get_data(as_text=True)
    assert "Cannot be approved now" in page and "Not in post (Retired)." in page
    response = client.post(f"/credentials/requests/{item.id}/approve")
    assert response.status_code == 422 and "Not in post (Retired)." in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(CredentialRequest, item.id).status is RequestStatus.PENDING and db.query(Credential).count() == 0


def test_renewal_page_before_the_window_and_replacement_page(db, requesting, client, auth):
    credential = services.issue(db, requesting["hr"], issue_request(requesting, requesting["officer"]))
    db.commit()
    auth.login("dept-hr")
    detail = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    assert f"/credentials/requests/renew/{credential.id}" in detail and f"/credentials/requests/replace/{credential.id}" in detail
    page = client.get(f"/credentials/requests/renew/{credential.id}").get_data(as_text=True)
    assert "Renewal opens on 2030-12-01" in page
    refused = client.post(f"/credentials/requests/renew/{credential.id}", data=_form(requesting))
    assert refused.status_code == 422 and "Renewal opens on 2030-12-01" in refused.get_data(as_text=True)
    refused = client.post(f"/credentials/requests/replace/{credential.id}", data={"card_loss": "lost", "reason": "遗失"})
    assert refused.status_code == 422 and "written declaration of loss" in refused.get_data(as_text=True)
    response = client.post(f"/credentials/requests/replace/{credential.id}", data={"card_loss": "lost", "reason": "遗失", "loss_declared": "y"})
    assert response.status_code == 302
    item = db.query(CredentialRequest).one()
    auth.logout()
    auth.login("issuer-hr")
    client.post(f"/credentials/requests/{item.id}/approve")
    db.expire_all()
    assert db.get(Credential, credential.id).status is CredentialStatus.CANCELLED
    new = db.query(Credential).filter(Credential.id != credential.id).one()
    assert new.valid_to == credential.valid_to and new.number != credential.number


def test_requests_of_another_county_stay_hidden(db, tree, requesting, client, auth):
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    db.commit()
    make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    auth.login("neighbour-hr")
    assert requesting["officer"].name not in client.get("/credentials/requests/").get_data(as_text=True)
    assert requesting["officer"].name not in client.get("/credentials/requests/mine?who=all").get_data(as_text=True)
    assert client.get(f"/credentials/requests/{item.id}").status_code == 404
    assert client.post(f"/credentials/requests/{item.id}/approve").status_code == 404
    assert client.post(f"/credentials/requests/{item.id}/withdraw").status_code == 404
    assert client.get(f"/credentials/requests/new/{requesting['officer'].id}").status_code == 404


def test_the_queue_is_paginated_and_filtered(db, app, tree, requesting, client, auth):
    app.config["PAGE_SIZE"] = 2
    people = [make_person(db, tree.county_dept, name=f"排队{n}", legal_qualification=f"A2026000{n}", domains=[requesting["market"]])
              for n in range(3)]
    for person in people:
        requests.request_issue(db, requesting["requester"], person.id, draft(requesting))
    clock.freeze(datetime(2026, 6, 2, 8, 0, tzinfo=UTC))
    db.commit()
    auth.login("issuer-hr")
    first = client.get("/credentials/requests/").get_data(as_text=True)
    assert "排队0" in first and "排队1" in first and "排队2" not in first and "3 in all" in first
    assert "排队2" in client.get("/credentials/requests/?page=2").get_data(as_text=True)
    assert "排队" not in client.get("/credentials/requests/?kind=renewal").get_data(as_text=True)
    only = client.get("/credentials/requests/?q=排队1").get_data(as_text=True)
    assert "排队1" in only and "排队0" not in only
