"""The public verify page: the verdict from the signature, the key's window and the live status; no
cookie, no ID number, no reasons."""
from datetime import timedelta

import pytest

from examsys import clock
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from examsys.credentials.public.verification import token_for, url_for_token
from tests.credential_fixtures import REVOCATION_CASE, issue_request
from tests.qr_reading import the_qr_code


@pytest.fixture
def issued(app, db, issuing, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    return credential, token_for(credential), issuing


def _verdict(client, token: str) -> tuple[str, str]:
    response = client.get(f"/V/{token}", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    return page.split('data-verdict="')[1].split('"')[0], page


def test_a_genuine_token_is_valid_with_the_holder_and_without_private_data(db, client, issued):
    credential, token, issuing = issued
    verdict, page = _verdict(client, token)
    assert verdict == "VALID" and ">VALID<" in page
    assert credential.number in page and issuing["officer"].name in page and "新城区市场监督管理局" in page
    assert issuing["officer"].id_number not in page
    url = url_for_token(token)
    assert url == url.upper() and url.endswith("/V/" + token)


def test_suspended_then_revoked_read_at_once(db, client, issued):
    credential, token, issuing = issued
    services.change(db, issuing["hr"], credential.id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="立案调查")
    db.commit()
    verdict, page = _verdict(client, token)
    assert verdict == "SUSPENDED" and "立案调查" not in page and "暂〔2026〕1号" not in page
    services.change(db, issuing["hr"], credential.id, "revoke", case=REVOCATION_CASE,
                    ground="办法第二十一条", decision_number="撤〔2026〕2号", reason="违法执法")
    db.commit()
    assert _verdict(client, token)[0] == "NOT VALID"


def test_past_valid_to_it_is_not_valid(db, client, issued):
    credential, token, _ = issued
    clock.advance(timedelta(days=365 * 5 + 2))
    verdict, page = _verdict(client, token)
    assert verdict == "NOT VALID" and "expired" in page


def test_an_altered_token_says_so_plainly(db, client, issued):
    _credential, token, _ = issued
    position = len(token) // 3
    altered = token[:position] + ("Q" if token[position] != "Q" else "R") + token[position + 1:]
    verdict, page = _verdict(client, altered)
    assert verdict == "NOT VALID" and "not a genuine credential, or it was altered" in page


def test_a_token_of_a_superseded_credential_is_not_valid(db, client, issued):
    credential, token, issuing = issued
    services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    assert _verdict(client, token)[0] == "NOT VALID"


def test_without_keys_it_cannot_verify(app, db, client, issued, tmp_path):
    _credential, token, _ = issued
    app.config["KEY_DIR"] = str(tmp_path / "elsewhere")
    assert _verdict(client, token)[0] == "CANNOT VERIFY"


def test_the_same_answer_as_json(db, client, issued):
    credential, token, _ = issued
    body = client.get(f"/api/verify/{token}").get_json()
    assert body["verdict"] == "VALID" and body["number"] == credential.number and "id_number" not in body


def test_the_photo_is_served_only_for_a_genuine_token(db, client, issued):
    import io

    from PIL import Image

    from examsys.personnel.services import set_photo

    credential, _token, issuing = issued
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (10, 120, 200)).save(out, "JPEG")
    set_photo(db, issuing["hr"], issuing["officer"].id, out.getvalue())
    db.commit()
    token = token_for(credential)  # the token carries the photo's digest
    assert client.get(f"/V/{token}/photo.jpg").status_code == 200
    altered = token[:40] + ("Q" if token[40] != "Q" else "R") + token[41:]
    assert client.get(f"/V/{altered}/photo.jpg").status_code == 404


def test_the_verdict_words_in_chinese(db, client, issued):
    _credential, token, _ = issued
    page = client.get(f"/V/{token}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'data-verdict="VALID"' in page and ">有效<" in page


def test_the_command_line_gives_the_pages_verdict(db, runner, issued):
    credential, token, issuing = issued
    result = runner.invoke(args=["credentials", "verify", url_for_token(token)])
    assert result.exit_code == 0 and result.output.strip().endswith("VALID") and credential.number in result.output
    services.change(db, issuing["hr"], credential.id, "revoke", case=REVOCATION_CASE,
                    ground="办法第二十一条", decision_number="撤〔2026〕2号", reason="违法执法")
    db.commit()
    result = runner.invoke(args=["credentials", "verify", token])
    assert result.exit_code == 1 and result.output.strip().endswith("NOT VALID")


def test_the_qr_code_on_the_card_pdf_opens_a_page_that_says_valid(db, client, issued, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils; CI installs it)")
    from PIL import Image

    from examsys.credentials.documents.pdf import card_pdf

    credential, token, _ = issued
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(card_pdf(credential, url_for_token(token)))
    assert pdf.read_bytes().startswith(b"%PDF") and b"/FontFile2" in pdf.read_bytes()  # the CJK font is embedded
    subprocess.run(["pdftoppm", "-r", "300", "-f", "2", "-l", "2", "-png", str(pdf), str(tmp_path / "back")], check=True)
    url = the_qr_code(Image.open(next(tmp_path.glob("back*.png")))).text
    path = url[url.index("/V/"):]
    verdict, _page = _verdict(client, path[len("/V/"):])
    assert verdict == "VALID"


def test_the_card_is_for_hr_and_the_holder_only(db, tree, client, auth, issued):
    from examsys.auth.models import Role
    from tests.factories import make_user

    credential, _token, issuing = issued
    auth.login("candidate")  # the holder
    response = client.get(f"/credentials/{credential.id}/card.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    auth.logout()
    make_user(db, "neighbour-hr", tree.other_county, Role.HR_ADMIN)
    auth.login("neighbour-hr")
    assert client.get(f"/credentials/{credential.id}/card.pdf").status_code == 404
    auth.logout()
    assert client.get(f"/credentials/{credential.id}/card.pdf").status_code == 404


def test_the_officers_e_card_code_verifies_now_and_expires_in_90_seconds(db, client, auth, issued):
    credential, _token, _ = issued
    auth.login("candidate")
    assert credential.number in client.get("/me/credential").get_data(as_text=True)
    body = client.get("/me/credential/code").get_json()
    assert body["svg"].startswith("<svg") and "<script" not in body["svg"]
    path = body["url"][body["url"].index("/V/"):]
    auth.logout()
    assert _verdict(client, path[3:])[0] == "VALID"
    clock.advance(timedelta(seconds=91))
    verdict, page = _verdict(client, path[3:])
    assert verdict == "CODE EXPIRED" and "NOT VALID" not in page


def test_no_cookie_even_for_a_logged_in_visitor(db, client, auth, issued):
    _credential, token, _ = issued
    auth.login("candidate")
    response = client.get(f"/V/{token}")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert client.get("/").status_code == 200  # their own session is untouched


def _status_step(page: str) -> str:
    steps = page.split('class="card steps"')[1].split("</ul>")[0]
    return [li for li in steps.split("<li>")[1:] if "status" in li or "状态" in li][0].split("</li>")[0].strip()


def test_the_status_step_names_the_status_found(db, client, issued):
    """A suspended credential's status step says suspended (not "may enforce" with a cross); revoked says not valid;
    a credential in force ticks "may enforce"."""
    credential, token, issuing = issued
    assert _status_step(_verdict(client, token)[1]) == "✔ Current status: may enforce"
    services.change(db, issuing["hr"], credential.id, "suspend", ground="办法第二十条", decision_number="暂〔2026〕1号", reason="立案调查")
    db.commit()
    assert _status_step(_verdict(client, token)[1]) == "✘ Current status: SUSPENDED"
    zh = client.get(f"/V/{token}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert _status_step(zh) == "✘ 当前状态：暂扣" and "可以执法" not in zh
    services.change(db, issuing["hr"], credential.id, "revoke", case=REVOCATION_CASE,
                    ground="办法第二十一条", decision_number="撤〔2026〕2号", reason="违法执法")
    db.commit()
    assert _status_step(_verdict(client, token)[1]) == "✘ Current status: NOT VALID"
