"""The A4 certificate: every fact printed in the embedded CJK font with no missing glyph, a QR code
(level Q, at least 25 mm) that opens a page saying VALID, for the holder and HR in scope only."""
import shutil
import subprocess
from datetime import timedelta

import pytest

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from tests.credential_fixtures import issue_request
from tests.factories import make_user
from tests.qr_reading import the_qr_code


@pytest.fixture
def issued(app, db, issuing, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    legal_source = "《中华人民共和国行政处罚法》第十八条；《中华人民共和国食品安全法》第六条；《内蒙古自治区行政执法证件管理办法》第十条"
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"], legal_source=legal_source))
    db.commit()
    return credential, issuing


def _needs_tools():
    import zxingcpp  # requirements-dev.txt: always there, never a reason to skip
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        pytest.skip("needs pdftoppm and pdftotext (Debian poppler-utils; CI installs them)")
    return zxingcpp


def test_the_certificate_prints_every_fact_without_a_missing_glyph(db, client, auth, issued, tmp_path):
    _needs_tools()
    from reportlab.pdfbase import pdfmetrics

    from examsys.credentials.documents.certificate import printed_text
    from examsys.credentials.documents.pdf import font_name, missing_glyphs

    credential, issuing = issued
    auth.login("candidate")  # the holder
    response = client.get(f"/credentials/{credential.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.data)
    assert b"/FontFile2" in response.data  # the CJK font is embedded, not substituted by the viewer
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    flat = "".join(text.split())
    for fact in ("行政执法资格证书", issuing["officer"].name, credential.number, "新城区市场监督管理局", "市场监管", "新城区",
                 "《中华人民共和国行政处罚法》第十八条", "《内蒙古自治区行政执法证件管理办法》第十条", "新城区",
                 f"{credential.valid_to.year}年{credential.valid_to.month}月{credential.valid_to.day}日"):
        assert fact in flat, fact
    assert issuing["officer"].id_number not in flat
    # every character drawn has a glyph in the embedded font (a missing one prints as an empty box)
    face = pdfmetrics.getFont(font_name()).face
    from examsys.mongolian import BLOCK
    assert "ᠵᠠᠰᠠᠭ" in flat  # the Mongolian title, read back as written (the lines carry ActualText)
    chinese = [c for c in flat if ord(c) not in BLOCK and c != "\u202f"]  # the Mongolian font draws the rest
    assert [c for c in chinese if ord(c) > 127 and ord(c) not in face.charToGlyph] == []
    assert missing_glyphs(printed_text(credential)) == ""
    assert missing_glyphs("𠀀") == "𠀀"  # the check can fail: a character outside the font is reported


def test_the_certificates_qr_code_is_large_level_q_and_opens_a_page_that_says_valid(db, client, issued, tmp_path):
    _needs_tools()
    from PIL import Image

    from examsys.credentials.documents.certificate import certificate_pdf
    from examsys.credentials.public.verification import token_for, url_for_token

    credential, _issuing = issued
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate_pdf(credential, url_for_token(token_for(credential))))
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(tmp_path / "page")], check=True)
    found = the_qr_code(Image.open(next(tmp_path.glob("page*.png"))))
    assert found.ec_level == "Q"
    position = found.position
    width_mm = (position.top_right.x - position.top_left.x) / 300 * 25.4
    assert width_mm >= 25
    url = found.text
    page = client.get(url[url.index("/V/"):], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-verdict="VALID"' in page


def test_the_certificate_is_for_the_holder_and_hr_in_scope_only(db, tree, client, auth, issued):
    credential, _issuing = issued
    url = f"/credentials/{credential.id}/certificate.pdf"
    assert client.get(url).status_code == 404  # nobody logged in
    auth.login("candidate2")  # another officer
    assert client.get(url).status_code == 404
    auth.logout()
    make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    auth.login("neighbour-hr")
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login("issuer-hr")  # HR of the region, above the officer's department
    assert client.get(url).status_code == 200
    assert client.get(f"/credentials/{credential.id + 999}/certificate.pdf").status_code == 404


def test_the_pages_link_the_certificate(db, client, auth, issued):
    credential, _issuing = issued
    auth.login("candidate")
    assert f"/credentials/{credential.id}/certificate.pdf" in client.get("/me/credential").get_data(as_text=True)
    auth.logout()
    auth.login("issuer-hr")
    assert f"/credentials/{credential.id}/certificate.pdf" in client.get(f"/credentials/{credential.id}").get_data(as_text=True)
