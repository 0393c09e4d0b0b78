"""Text alternatives and keyboard reach on the public side (issue 14, item 13): the e-card's QR code is a
named image, and the public register's sideways-scrolling table is a focusable, named region."""

from xml.etree import ElementTree

from examsys import qr
from examsys.credentials import services
from examsys.credentials.token import decode_body, split
from tests.credential_fixtures import issue_request
from tests.svg_qr import SVG, decode


def test_the_e_card_qr_code_is_an_image_with_a_name(signed_credential, client, auth):
    credential = signed_credential
    auth.login("candidate")
    svg = client.get("/me/credential/code", headers={"Accept-Language": "en"}).get_json()["svg"]
    assert 'role="img"' in svg and f'aria-label="QR code of credential {credential.number}: scan it' in svg
    assert f"<title>QR code of credential {credential.number}: scan it" in svg
    zh = client.get("/me/credential/code", headers={"Accept-Language": "zh-CN"}).get_json()["svg"]
    assert f"执法证 {credential.number} 的核验二维码" in zh


def test_the_e_card_svg_scans_to_the_verify_address_of_the_holders_credential(signed_credential, client, auth):
    """Drawn from the SVG the phone is given, the code reads back as the address the page names, whose
    token is a token of this credential."""
    auth.login("candidate")
    code = client.get("/me/credential/code").get_json()
    url = decode(code["svg"])
    assert url == code["url"] and "/V/" in url
    assert decode_body(split(url.rsplit("/V/", 1)[1])[0]).number == signed_credential.number


def test_the_qr_label_is_escaped():
    label = 'a "quoted" <b>label</b>'
    svg = qr.svg("HTTP://X/V/ABC", label)
    root = ElementTree.fromstring(svg)  # well-formed: the label's quotes and brackets are escaped, not markup
    assert "<b>" not in svg and root.find(f"{SVG}b") is None and root.find("b") is None
    assert root.get("aria-label") == label and root.find(f"{SVG}title").text == label


def test_the_qr_svg_is_self_contained_crisp_and_on_white():
    """What the e-card's CSP and a phone's camera need: nothing but shapes (no script, no link, no
    external reference), square edges, a white background behind the dark modules."""
    root = ElementTree.fromstring(qr.svg("HTTP://X/V/ABC", "code"))
    assert {element.tag.removeprefix(SVG) for element in root.iter()} == {"svg", "title", "rect", "path"}
    assert not [value for element in root.iter() for name, value in element.attrib.items()
                if "href" in name or "url(" in value or "//" in value.replace("http://www.w3.org/2000/svg", "")]
    assert root.get("role") == "img" and root.get("shape-rendering") == "crispEdges"
    (background,) = root.iter(f"{SVG}rect")
    assert background.get("fill") in ("white", "#fff", "#ffffff") and background.get("width") == "100%"


def test_the_register_table_is_a_named_focusable_region(db, tree, issuing, client):
    services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    db.commit()
    page = client.get("/public-register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<div class="table-wrap" tabindex="0" role="region" aria-label="Officers on the register">' in page
    assert 'data-label="Status" data-verdict="VALID"' in page
