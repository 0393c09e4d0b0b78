"""Reports about an officer from the verify page: anonymous, cookieless, guarded against cross-site posts by a form
token bound to the credential and the address, rate limited per address; the supervisors of the
credential's organisation read and handle the reports, and nobody ever sees the reporter's address."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from examsys.credentials.models import OfficerReport, ReportStatus
from examsys.credentials.public.verification import token_for
from examsys.credentials.reports import services as reports
from tests.credential_fixtures import issue_request
from tests.factories import make_user

ADDRESS = "203.0.113.77"


@pytest.fixture
def issued(app, db, issuing, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    return credential, token_for(credential), issuing


def open_form(client, token: str, address: str = ADDRESS):
    response = client.get(f"/V/{token}/report", headers={"Accept-Language": "en"}, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"|name="form_token" value="([^"]+)"', page).group(1)


def send(client, token: str, form_token: str, address: str = ADDRESS, headers: dict | None = None, **fields):
    data = {"category": "conduct", "text": "他在检查时态度粗暴，没有出示证件。", "form_token": form_token, **fields}
    return client.post(f"/V/{token}/report", data=data, environ_base={"REMOTE_ADDR": address},
                       headers={"Accept-Language": "en", "Origin": "http://localhost", **(headers or {})})


def test_the_verify_page_leads_to_the_form_and_a_report_is_stored_for_the_supervisors(db, client, issued):
    credential, token, issuing = issued
    page = client.get(f"/V/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"/V/{token}/report" in page and "Report a problem with this officer" in page
    response = send(client, token, open_form(client, token))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Report sent" in response.get_data(as_text=True)
    report = db.scalars(select(OfficerReport)).one()
    assert (report.credential_id, report.org_id, report.category.value, report.status) == (
        credential.id, credential.org_id, "conduct", ReportStatus.OPEN)


def test_the_reporters_address_is_kept_nowhere(db, client, auth, issued, tree):
    _credential, token, _ = issued
    assert send(client, token, open_form(client, token)).status_code == 200
    for table in ("officer_report", "audit_entry"):
        for row in db.execute(text(f"SELECT * FROM {table}")):
            assert ADDRESS not in " ".join(str(value) for value in row)
    entry = db.execute(text("SELECT actor_name, client_address FROM audit_entry WHERE action = 'report.file'")).one()
    assert tuple(entry) == ("public", "")
    make_user(db, "supervisor", tree.region, Role.AUDITOR)
    auth.login("supervisor")
    report_id = db.scalars(select(OfficerReport.id)).one()
    for path in ("/reports/", f"/reports/{report_id}", "/audit/"):
        assert ADDRESS not in client.get(path).get_data(as_text=True)


def test_the_form_page_is_only_for_a_genuine_credential(db, client, issued):
    _credential, token, _ = issued
    position = len(token) // 2
    altered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]
    assert client.get(f"/V/{altered}/report").status_code == 404
    assert client.post(f"/V/{altered}/report", data={"text": "x"}).status_code == 404
    assert db.scalars(select(OfficerReport)).all() == []


@pytest.mark.parametrize("fields, field", [({"text": "   "}, "text"), ({"text": "字" * 2001}, "text"), ({"category": "gossip"}, "category")])
def test_bad_input_is_refused_at_the_field_and_nothing_is_stored(db, client, issued, fields, field):
    _credential, token, _ = issued
    response = send(client, token, open_form(client, token), **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{field}-error"' in page
    assert db.scalars(select(OfficerReport)).all() == []


def test_a_post_without_a_valid_form_token_is_refused(db, client, issued, tmp_path):
    credential, token, issuing = issued
    good = open_form(client, token)
    refused = [
        send(client, token, ""),  # none
        send(client, token, good.split(".")[0] + ".forged"),  # forged
        send(client, token, good, address="198.51.100.9"),  # fetched by someone else (another address)
    ]
    other = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    refused.append(send(client, token_for(other), good))  # made for another credential
    clock.advance(timedelta(hours=1, seconds=1))
    refused.append(send(client, token, good))  # expired
    for response in refused:
        assert response.status_code == 400 and "has expired or was not sent from this site" in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers
    assert db.scalars(select(OfficerReport)).all() == []


def test_a_cross_site_post_is_refused_even_with_a_good_token(db, client, issued):
    _credential, token, _ = issued
    assert send(client, token, open_form(client, token), headers={"Origin": "https://evil.example"}).status_code == 400
    assert send(client, token, open_form(client, token), headers={"Origin": "null"}).status_code == 400
    assert send(client, token, open_form(client, token), headers={"Sec-Fetch-Site": "cross-site"}).status_code == 400
    assert db.scalars(select(OfficerReport)).all() == []
    assert send(client, token, open_form(client, token), headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_a_reload_of_the_sent_form_does_not_file_it_twice(db, client, issued):
    _credential, token, _ = issued
    form_token = open_form(client, token)
    assert send(client, token, form_token).status_code == 200
    assert send(client, token, form_token).status_code == 200
    assert len(db.scalars(select(OfficerReport)).all()) == 1


def test_reports_are_rate_limited_per_address(app, db, client, issued):
    _credential, token, _ = issued
    app.config["REPORT_RATE_LIMIT"] = "2 per hour"
    form_token = open_form(client, token, "192.0.2.50")
    assert send(client, token, form_token, address="192.0.2.50", text="第一件事").status_code == 200
    assert send(client, token, form_token, address="192.0.2.50", text="第二件事").status_code == 200
    refused = send(client, token, form_token, address="192.0.2.50", text="第三件事")
    assert refused.status_code == 429 and "Set-Cookie" not in refused.headers
    assert send(client, token, open_form(client, token, "192.0.2.51"), address="192.0.2.51").status_code == 200


def test_supervisors_see_their_subtrees_reports_only_and_handle_them(db, client, auth, issued, tree):
    credential, token, _ = issued
    assert send(client, token, open_form(client, token)).status_code == 200
    report_id = db.scalars(select(OfficerReport.id)).one()
    make_user(db, "region-supervisor", tree.region, Role.AUDITOR)
    make_user(db, "neighbour-supervisor", tree.other_county, Role.AUDITOR)
    make_user(db, "hr-only", tree.region, Role.HR_ADMIN)

    auth.login("neighbour-supervisor")
    assert credential.number not in client.get("/reports/").get_data(as_text=True)
    assert client.get(f"/reports/{report_id}").status_code == 404
    auth.logout()
    auth.login("hr-only")
    assert client.get("/reports/").status_code == 403
    auth.logout()

    auth.login("region-supervisor")
    listing = client.get("/reports/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert credential.number in listing and "Conduct during enforcement" in listing and "Reports from the public" in listing
    detail = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "他在检查时态度粗暴" in detail
    refused = client.post(f"/reports/{report_id}", data={"note": "  "})
    assert refused.status_code == 422 and db.get(OfficerReport, report_id).status is ReportStatus.OPEN
    done = client.post(f"/reports/{report_id}", data={"note": "已约谈该执法人员并责令整改"})
    assert done.status_code == 302
    db.expire_all()
    report = db.get(OfficerReport, report_id)
    assert report.status is ReportStatus.HANDLED and report.handled_note == "已约谈该执法人员并责令整改"
    assert db.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'report.handle'")).scalar() == 1
    assert client.post(f"/reports/{report_id}", data={"note": "再次处理"}).status_code == 422  # handled once only
    assert "Reports from the public" in client.get("/").get_data(as_text=True)  # in the supervisor's navigation


def test_the_service_refuses_outside_the_scope(db, issued, tree):
    credential, _token, _ = issued
    report = reports.file_report(db, credential.id, "misuse", "他的证件已被吊销但仍在执法")
    db.commit()
    neighbour = make_user(db, "n-sup", tree.other_county, Role.AUDITOR)
    from examsys.errors import NotFound

    with pytest.raises(NotFound):
        reports.handle_report(db, neighbour, report.id, "越权处理")
