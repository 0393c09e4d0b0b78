"""Only the requesting side withdraws a credential request (issue 14, item 11): the issuing authority's
approver sees no withdraw button on it, and a withdrawal posted anyway is refused."""
from examsys.credentials.models import CredentialRequest, RequestStatus
from examsys.credentials.requests import services as requests
from tests.credential_fixtures import draft


def test_the_approver_sees_no_withdraw_button_and_cannot_withdraw(db, requesting, client, auth):
    item = requests.request_issue(db, requesting["requester"], requesting["officer"].id, draft(requesting))
    db.commit()
    auth.login("issuer-hr")  # HR of the region: the issuing side, and above the officer's department too
    page = client.get(f"/credentials/requests/{item.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Approve and issue" in page and "Withdraw the request" not in page
    refused = client.post(f"/credentials/requests/{item.id}/withdraw", headers={"Accept-Language": "en"})
    assert refused.status_code == 403
    assert "Only the requester may withdraw this request" in refused.get_data(as_text=True)
    assert db.get(CredentialRequest, item.id).status is RequestStatus.PENDING

    auth.logout()
    auth.login("dept-hr")  # the requester
    page = client.get(f"/credentials/requests/{item.id}").get_data(as_text=True)
    assert "Withdraw the request" in page and "Approve and issue" not in page
    assert client.post(f"/credentials/requests/{item.id}/withdraw").status_code == 302
    db.expire_all()
    assert db.get(CredentialRequest, item.id).status is RequestStatus.WITHDRAWN


def test_an_issuing_hr_withdraws_a_request_they_made_themselves(db, requesting):
    item = requests.request_issue(db, requesting["hr"], requesting["officer"].id, draft(requesting))
    assert requests.may_withdraw(requesting["hr"], item)
    assert requests.withdraw(db, requesting["hr"], item.id).status is RequestStatus.WITHDRAWN
