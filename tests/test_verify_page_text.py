"""What the verify page says in words: a clean title and nothing before its header (issue 14, item 3), and
an e-card code shown after its time says only that the code has expired, never a verdict on the officer
(item 4), in Chinese and in English."""
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from examsys import clock
from examsys.credentials import services
from examsys.credentials.public.verification import token_for
from tests.credential_fixtures import REVOCATION_CASE


@pytest.fixture
def issued(signed_credential):
    return signed_credential


class _Outline(HTMLParser):
    """The <title>'s raw content (tags included) and the text of <body> before its first <header>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title, self.before_header = "", ""
        self.in_title = self.in_body = self.header_seen = False

    def handle_starttag(self, tag, attrs):
        if self.in_title:
            self.title += f"<{tag}>"
        self.in_title = self.in_title or tag == "title"
        self.in_body = self.in_body or tag == "body"
        if tag == "header":
            self.header_seen = True
        if self.in_body and not self.header_seen and tag not in ("body", "header"):
            self.before_header += f"<{tag}>"

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif self.in_body and not self.header_seen:
            self.before_header += data


def _outline(page: str) -> _Outline:
    outline = _Outline()
    outline.feed(page)
    return outline


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_title_is_plain_words_and_nothing_comes_before_the_header(client, issued, language):
    page = client.get(f"/V/{token_for(issued)}", headers={"Accept-Language": language}).get_data(as_text=True)
    outline = _outline(page)
    assert "<" not in outline.title and ">" not in outline.title
    assert outline.title.strip().split(" · ")[0] == {"en": "VALID", "zh-CN": "有效"}[language]
    assert outline.before_header.strip() == ""
    assert '<body class="public verify-page">' in page
    assert page.count("/report") == 1  # the report link once, below the facts


def _screen_code(credential) -> str:
    return token_for(credential, clock.now(), timedelta(seconds=90))


def test_an_expired_screen_code_says_so_in_english_and_is_no_verdict_on_the_officer(client, issued):
    token = _screen_code(issued)
    clock.advance(timedelta(seconds=91))
    page = client.get(f"/V/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-verdict="CODE EXPIRED"' in page and ">CODE EXPIRED<" in page
    assert "This screen code has expired" in page and "Ask the officer to show a fresh code" in page
    assert "NOT VALID" not in page and "no longer valid" not in page and "not a genuine" not in page
    assert "verdict-bad" not in page
    assert _outline(page).title.startswith("CODE EXPIRED")
    assert issued.number not in page  # nothing about the holder is vouched for by a stale code


def test_an_expired_screen_code_says_so_in_chinese(client, issued):
    token = _screen_code(issued)
    clock.advance(timedelta(seconds=91))
    page = client.get(f"/V/{token}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert ">二维码已过期<" in page and "请执法人员出示新的二维码" in page
    assert "无效" not in page and "失效" not in page


def test_a_fresh_screen_code_is_valid_and_the_machine_answer_names_an_expired_one(client, issued):
    token = _screen_code(issued)
    assert client.get(f"/api/verify/{token}").get_json()["verdict"] == "VALID"
    clock.advance(timedelta(seconds=91))
    assert client.get(f"/api/verify/{token}").get_json()["verdict"] == "CODE EXPIRED"


def test_an_expired_code_of_a_revoked_credential_still_only_says_the_code_expired(db, client, issued, issuing):
    token = _screen_code(issued)
    services.change(db, issuing["hr"], issued.id, "revoke", ground="办法第二十一条", decision_number="撤〔2026〕2号", reason="违法执法",
                    case=REVOCATION_CASE)
    db.commit()
    assert client.get(f"/api/verify/{token}").get_json()["verdict"] == "NOT VALID"
    clock.advance(timedelta(seconds=91))
    # The citizen asks for a fresh code; a revoked credential has none to show, and its card says NOT VALID.
    assert client.get(f"/api/verify/{token}").get_json()["verdict"] == "CODE EXPIRED"
    assert client.get(f"/api/verify/{token_for(issued)}").get_json()["verdict"] == "NOT VALID"
