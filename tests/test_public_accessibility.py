"""Text alternatives and keyboard reach on the public side (issue 14, item 13): the e-card's QR code is a
named image, and the public register's sideways-scrolling table is a focusable, named region."""

from examsys.credentials import services
from examsys.credentials.documents import qr
from tests.credential_fixtures import issue_request


def test_the_e_card_qr_code_is_an_image_with_a_name(signed_credential, client, auth):
    credential = signed_credential
    auth.login("candidate")
    svg = client.get("/me/credential/code", headers={"Accept-Language": "en"}).get_json()["svg"]
    assert 'role="img"' in svg and f'aria-label="QR code of credential {credential.number}: scan it' in svg
    assert f"<title>QR code of credential {credential.number}: scan it" in svg
    zh = client.get("/me/credential/code", headers={"Accept-Language": "zh-CN"}).get_json()["svg"]
    assert f"执法证 {credential.number} 的核验二维码" in zh


def test_the_qr_label_is_escaped():
    svg = qr.svg("HTTP://X/V/ABC", 'a "quoted" <b>label</b>')
    assert "<b>" not in svg and 'aria-label="a &#34;quoted&#34; &lt;b&gt;label&lt;/b&gt;"' in svg


def test_the_register_table_is_a_named_focusable_region(db, tree, issuing, client):
    services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    page = client.get("/public-register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<div class="table-wrap" tabindex="0" role="region" aria-label="Officers on the register">' in page
    assert 'data-label="Status" data-verdict="VALID"' in page
