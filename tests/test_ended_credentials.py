"""An ended credential (issue 14, item 8): never printed as a clean card or certificate — HR gets a copy for
the file marked 作废 VOID, its holder none; the holder's page shows its status, date and decision; and a
reinstatement closes the card-recovery task its suspension opened."""
import shutil
import subprocess
from datetime import timedelta

import pytest

from examsys import clock
from examsys.credentials import services
from examsys.credentials.models import RecoveryTask
from tests.credential_fixtures import REVOCATION_CASE, issue_request

REVOKE = dict(ground="办法第二十一条", decision_number="撤〔2026〕2号", reason="违法执法，情节严重", case=REVOCATION_CASE)


@pytest.fixture
def issued(signed_credential):
    return signed_credential


def _text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (Debian poppler-utils; CI installs it)")
    path = tmp_path / "printed.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("kind", ["card", "certificate"])
def test_the_holder_of_a_revoked_credential_gets_no_print(db, client, auth, issued, issuing, kind):
    auth.login("candidate")
    assert client.get(f"/credentials/{issued.id}/{kind}.pdf").status_code == 200
    services.change(db, issuing["hr"], issued.id, "revoke", **REVOKE)
    db.commit()
    refused = client.get(f"/credentials/{issued.id}/{kind}.pdf", headers={"Accept-Language": "en"})
    assert refused.status_code == 409 and refused.mimetype == "text/html"
    assert "This credential has ended (Revoked): it is no longer printed." in refused.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["card", "certificate"])
def test_hr_prints_a_revoked_credential_only_as_a_void_copy(db, client, auth, issued, issuing, kind, tmp_path):
    auth.login("issuer-hr")
    clean = client.get(f"/credentials/{issued.id}/{kind}.pdf")
    assert "作废" not in _text(clean.data, tmp_path)
    services.change(db, issuing["hr"], issued.id, "revoke", **REVOKE)
    db.commit()
    void = client.get(f"/credentials/{issued.id}/{kind}.pdf")
    assert void.status_code == 200 and void.mimetype == "application/pdf" and "-void.pdf" in void.headers["Content-Disposition"]
    text = _text(void.data, tmp_path)
    assert "仅供存档" in text and "已吊销" in text and "撤〔2026〕2号" in text
    assert text.count("FILE COPY ONLY") == text.count("\f") >= 1  # on every page: the card's back too


def test_superseded_and_cancelled_print_void_with_what_ended_them(db, client, auth, issued, issuing, tmp_path):
    newer = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    services.change(db, issuing["hr"], newer.id, "cancel", ground="办法第十九条", reason="调离执法岗位")
    db.commit()
    auth.login("issuer-hr")
    assert "已换发" in _text(client.get(f"/credentials/{issued.id}/card.pdf").data, tmp_path)
    assert "已注销" in _text(client.get(f"/credentials/{newer.id}/card.pdf").data, tmp_path)
    page = client.get(f"/credentials/{newer.id}").get_data(as_text=True)
    assert "Void copy of the card, for the file (PDF)" in page and ">Card (PDF)<" not in page


def test_an_expired_credential_is_not_printed_for_its_holder(db, client, auth, issued):
    clock.advance(timedelta(days=365 * 5 + 2))
    auth.login("candidate")
    assert client.get(f"/credentials/{issued.id}/card.pdf").status_code == 409
    page = client.get("/me/credential", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Expired" in page and "card.pdf" not in page and "data-e-card" not in page


def test_my_credential_shows_the_revocation_not_no_credential(db, client, auth, issued, issuing):
    services.change(db, issuing["hr"], issued.id, "revoke", **REVOKE)
    db.commit()
    auth.login("candidate")
    page = client.get("/me/credential", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You hold no credential" not in page
    assert 'data-status="revoked"' in page and "Revoked" in page and issued.number in page
    assert clock.now().date().isoformat() in page and "撤〔2026〕2号" in page and "办法第二十一条" in page
    assert "card.pdf" not in page and "certificate.pdf" not in page and "data-e-card" not in page
    assert client.get("/me/credential/code").status_code == 404
    zh = client.get("/me/credential", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "吊销" in zh and "决定日期" in zh and "您目前没有" not in zh


def test_reinstatement_closes_the_recovery_task_of_the_suspension(db, client, auth, issued, issuing):
    services.change(db, issuing["hr"], issued.id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="立案调查")
    db.commit()
    auth.login("issuer-hr")
    assert "The card is back" in client.get(f"/credentials/{issued.id}").get_data(as_text=True)
    response = client.post(f"/credentials/{issued.id}/change", data={"action": "reinstate", "reason": "调查结束，未发现违法"})
    assert response.status_code == 302
    task = db.query(RecoveryTask).one()
    assert task.closed_at is not None and task.note == "Closed by the reinstatement."
    page = client.get(f"/credentials/{issued.id}").get_data(as_text=True)
    assert "Card to recover" not in page and "The card is back" not in page
