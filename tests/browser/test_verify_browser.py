"""In a real browser on a phone-sized screen: a verify URL shows the verdict and the holder's photo."""
import io
from datetime import timedelta

import pytest
from PIL import Image

from examsys import clock
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from examsys.credentials.public.verification import token_for
from examsys.credentials.token import decode_body, split
from examsys.personnel.services import set_photo
from tests.credential_fixtures import issue_request
from tests.factories import PASSWORD


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_a_phone_opens_a_verify_url_and_sees_verdict_and_photo(app, db, issuing, live_server, page, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (30, 90, 160)).save(out, "JPEG")
    set_photo(db, issuing["hr"], issuing["officer"].id, out.getvalue())
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    photos = []
    page.on("response", lambda response: photos.append(response.status) if "/photo.jpg" in response.url else None)
    page.goto(f"{live_server}/V/{token_for(credential)}")
    assert page.locator(".verdict-word").inner_text() == "VALID"
    assert credential.number in page.locator("main").inner_text()
    photo = page.locator("img.id-photo")
    photo.wait_for()
    box = photo.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 50
    assert photos == [200]
    assert page.context.cookies() == []


def test_the_e_card_qr_code_on_screen_scans_to_a_genuine_token_of_the_holder(app, db, signed_credential, live_server, page):
    """The e-card's code as Chromium draws the SVG: a camera reads the verify address of this credential,
    and opening it says VALID."""
    from tests.qr_reading import the_qr_code

    page.goto(live_server + "/login")
    page.fill("#identifier", "candidate")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    page.goto(live_server + "/me/credential")
    code = page.locator("[data-e-card-code] svg")
    code.wait_for()
    found = the_qr_code(Image.open(io.BytesIO(code.screenshot())))
    url = found.text
    assert url.startswith(live_server.upper() + "/V/") or url.startswith(live_server + "/V/")
    assert decode_body(split(url.rsplit("/V/", 1)[1])[0]).number == signed_credential.number
    page.goto(url)
    assert page.locator(".verdict-word").inner_text() == "VALID"
