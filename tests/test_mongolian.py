"""Mongolian in the traditional script (mn_Mong_CN) as the third interface language (issue 21, items 3 and
5): how it is chosen, the catalog of the public pages and the officer's own pages, the fallback to Chinese
(never to an English message id), and pages that read in Mongolian or Chinese only."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from sqlalchemy import select

from examsys.web import LOCALE_ALIASES
from tests.demo_fixtures import DEMO_PASSWORD
from tests.html_checks import english_words

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "examsys/templates"
MN_PO = ROOT / "examsys/translations/mn_Mong_CN/LC_MESSAGES/messages.po"
MONGOLIAN = re.compile("[\u1800-\u18af]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# The templates whose every message the Mongolian catalog translates: the public pages, the layout, the
# error page, and the officer's own pages.
WHOLE_TEMPLATES = ["public_base.html", "base.html", "_page.html", "credentials/verify.html", "credentials/register.html",
                   "errors/error.html", "exams/mine.html", "credentials/mine.html", "reviews/mine.html",
                   "exams/practice_home.html", "exams/practice_question.html", "exams/practice_wrong.html",
                   "bank/types/_choice.html", "bank/types/_true_false.html", "bank/types/_fill_in.html"]  # practice and its questions
# From _macros.html: what the register's list uses (pagination, the empty note).
MACRO_MESSAGES = {"Pages", "Previous", "Next", "%(total)d in all"}
# Messages of the code that those pages show: the verdicts and checks of the verify page, the errors as the
# public sees them, the officer's menu, and the states and grades on the officer's pages.
CODE_MESSAGES = {
    "VALID", "SUSPENDED", "NOT VALID", "CANNOT VERIFY", "CODE EXPIRED",
    "The code could be read", "Signed by a published key", "The signature is genuine", "Signed while the key was in use",
    "The screen code is fresh", "Within the period of validity", "Current status: may enforce", "The published keys could be read",
    "Not found", "Too many requests", "Server error", "Error", "The page you asked for does not exist, or you may not see it.",
    "Too many requests from this address. Wait a moment and try again.", "The request could not be handled.",
    "Something went wrong on our side. The error has been logged; please try again.",
    "Home", "My exams", "Practice", "My credential", "My reviews", "My record",
    "Time is up", "Not started", "In progress", "Submitted", "Submitted at the deadline", "Graded", "Qualification exam", "Make-up exam",
    "In force", "Suspended", "Revoked", "Cancelled", "Superseded",
    "Awaiting the officer", "Acknowledged", "Disputed", "Upheld after dispute",
    "Good", "Fairly good", "Average", "Poor", "Excellent", "Competent", "Basically competent", "Incompetent",
    "Training", "Rotation of post", "Rank change", "Reward", "Sanction", "Disqualification case",
    "QR code of credential %(number)s: scan it to check that I may enforce the law (valid for %(n)d seconds)",  # the e-card's code
    # practice: the types of the practised questions, its refusals and notes, the ground under the feedback
    "Single choice", "Multiple choice", "True / false", "Fill in the blank", "Legal ground", "No such practice question.",
    "No practice questions for this law yet.", "No practice questions in Mongolian for this law yet.",
    "Practice is closed while you have an exam in progress. Hand in your paper first.",
}
# Latin that a Mongolian message may carry: names of formats and things, written so in Mongolian too.
LATIN_IN_MONGOLIAN = {"QR", "PDF", "A4", "JavaScript"}
ALLOWED_WORDS = {"pdf", "qr", "a4", "javascript", "examsys"}


def _wanted() -> set[str]:
    keywords = dict(DEFAULT_KEYWORDS, _l=None)
    wanted = set(CODE_MESSAGES | MACRO_MESSAGES)
    for name in WHOLE_TEMPLATES:
        for _line, message, _comments, _context in extract_from_file("jinja2.ext:babel_extract", str(TEMPLATES / name), keywords=keywords,
                                                                     options={"extensions": "jinja2.ext.i18n"}):
            wanted.add(message if isinstance(message, str) else message[0])
    return wanted


def _catalog() -> dict[str, str]:
    with MN_PO.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}


def test_every_message_of_the_mongolian_pages_is_translated():
    wanted, catalog = _wanted(), _catalog()
    assert len(wanted) > 120, "the extraction found too few messages"
    missing = sorted(wanted - set(catalog))
    assert not missing, f"{len(missing)} messages lack a Mongolian translation: {missing[:10]}"


def test_the_translations_are_in_the_traditional_script():
    for msgid, text in _catalog().items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid
        assert MONGOLIAN.search(text), msgid
        latin = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", PLACEHOLDER.sub("", text)))
        assert latin <= LATIN_IN_MONGOLIAN, (msgid, latin)
        assert not re.search("[\u0400-\u04ff]", text), msgid  # no Cyrillic (Mongolia's script): this is the traditional one
        assert " \u202f" not in text and "\u202f " not in text, msgid  # a case suffix hangs on its word by the narrow space alone
        assert "\u1831\u1822" not in text, msgid  # ši of a native word is written ᠰᠢ (ᠱ only before other vowels)
        assert not re.search("\u1828\u182d[\u1828-\u1842]", text), msgid  # ŋ before a consonant is ᠩ (ᠤᠩᠰᠢᠪᠠ read), not ᠨᠭ


@pytest.mark.parametrize("header", ["mn", "mn-Mong", "mn-CN", "mn-Mong-CN", "mn, zh-CN;q=0.8", "en;q=0.3, mn-mong;q=0.9"])
def test_accept_language_chooses_mongolian(app, header):
    from examsys.web import select_locale

    with app.test_request_context("/", headers={"Accept-Language": header}):
        assert select_locale() == "mn_Mong_CN"


@pytest.mark.parametrize(("header", "locale"), [("mn-MN, en;q=0.5", "en"), ("mn-Cyrl", "en"), ("zh-CN", "zh_Hans_CN")])
def test_mongolia_s_cyrillic_is_not_the_traditional_script(app, header, locale):
    """A reader in Mongolia writes Cyrillic: their browser gets the next language it asks for (here the
    test config's default, English, for nothing else)."""
    from examsys.web import select_locale

    with app.test_request_context("/", headers={"Accept-Language": header}):
        assert select_locale() == locale
    assert "mn-mn" not in LOCALE_ALIASES and "mn-cyrl" not in LOCALE_ALIASES


def test_a_missing_mongolian_string_reads_in_chinese_never_in_english(app):
    from flask_babel import gettext

    catalog = _catalog()
    # Each in an app context of its own, as a request has: Flask-Babel keeps the chosen locale in it.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "mn"}):
        assert gettext("Accounts") == "账号管理"  # not in the Mongolian catalog: the Chinese one answers
        assert "Accounts" not in catalog
        assert gettext("Search") == catalog["Search"]
        assert gettext("No such message id, anywhere") == "No such message id, anywhere"  # gettext's own last resort
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Accounts") == "Accounts"  # the chain is Mongolian's only
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert gettext("Search") == "搜索"


class _Text(HTMLParser):
    """A page's visible text and read attributes, without what is marked English (the language switch);
    and any Mongolian text that is not inside an element marked lang="mn-Mong"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[str] = []
        self.unmarked: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        marks = dict(attrs)
        for name in ("title", "aria-label", "alt", "placeholder"):
            if marks.get(name):
                self.texts.append(marks[name])
        if tag in ("meta", "link", "input", "img", "br"):
            return
        if tag in ("script", "style"):
            self.skip += 1
        self.stack.append((tag, marks.get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            top, _lang = self.stack.pop()
            if top in ("script", "style"):
                self.skip -= 1
            if top == tag:
                break

    def handle_data(self, data):
        if self.skip or not data.strip():
            return
        langs = [lang for _tag, lang in self.stack if lang]
        if langs and langs[-1].startswith("en"):
            return
        self.texts.append(data)
        in_title = any(tag == "title" for tag, _lang in self.stack)
        if MONGOLIAN.search(data) and not in_title and not (langs and langs[-1].startswith("mn-Mong")):
            self.unmarked.append(data.strip())


def _read(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


def _assert_mongolian_page(response, where: str) -> str:
    html = response.get_data(as_text=True)
    text = _read(html)
    joined = "\n".join(text.texts)
    assert '<html lang="mn-Mong-CN"' in html or "<html class=\"no-js\" lang=\"mn-Mong-CN\"" in html, where
    assert len(MONGOLIAN.findall(joined)) > 40, where
    words = english_words(joined, ALLOWED_WORDS)
    assert not words, f"{where}: English on a Mongolian page: {sorted(words)}"
    assert not text.unmarked, f"{where}: Mongolian text outside lang=mn-Mong…: {text.unmarked[:3]}"
    return joined


def test_the_public_pages_read_in_mongolian(demo, client):
    from examsys.credentials.models import Credential, CredentialStatus
    from examsys.credentials.public.verification import token_for

    mn = {"Accept-Language": "mn"}
    credentials = {c.status: c for c in demo.scalars(select(Credential))}
    catalog = _catalog()
    for status in (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED, CredentialStatus.REVOKED):
        response = client.get(f"/V/{token_for(credentials[status])}", headers=mn)
        assert response.status_code == 200
        text = _assert_mongolian_page(response, f"verify {status.value}")
        verdict = {"active": "VALID", "suspended": "SUSPENDED", "revoked": "NOT VALID"}[status.value]
        html = response.get_data(as_text=True)
        assert f'data-verdict="{verdict}"' in html  # the verdict's token is as it is in every language
        assert catalog[verdict] in text and {"VALID": "有效", "SUSPENDED": "暂扣", "NOT VALID": "无效"}[verdict] in text  # both scripts
        assert "Set-Cookie" not in response.headers
    _assert_mongolian_page(client.get(f"/V/{'A' * 40}", headers=mn), "verify, not a genuine code")
    register = client.get("/public-register", headers=mn)
    assert register.status_code == 200 and "Set-Cookie" not in register.headers
    _assert_mongolian_page(register, "register")
    _assert_mongolian_page(client.get("/public-register?q=无此人", headers=mn), "register, nothing found")
    missing = client.get("/no-such-page", headers=mn)
    assert missing.status_code == 404
    _assert_mongolian_page(missing, "404")


def test_the_public_switch_is_a_link_that_sets_no_cookie(demo, client):
    page = client.get("/public-register", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/public-register?lang=mn_Mong_CN"' in page and 'href="/public-register?lang=en"' in page
    response = client.get("/public-register?lang=mn_Mong_CN", headers={"Accept-Language": "zh-CN"})
    assert "Set-Cookie" not in response.headers
    _assert_mongolian_page(response, "register by the switch")
    assert "?lang=mn_Mong_CN" in re.search(r'<nav class="site-nav".*?</nav>', response.get_data(as_text=True), re.S).group(0)
    english = client.get("/public-register?lang=en", headers={"Accept-Language": "mn"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Public register of law-enforcement officers" in english
    bogus = client.get("/public-register?lang=xx", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in bogus
    search = client.get("/public-register?lang=mn_Mong_CN&q=无此人&x=1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<input type="hidden" name="lang" value="mn_Mong_CN">' in search  # a search keeps the language
    assert 'href="/public-register?q=%E6%97%A0%E6%AD%A4%E4%BA%BA&amp;lang=en"' in search  # the switch keeps the search, nothing else


def test_the_cached_verify_page_keeps_the_switch_s_language_in_its_links(demo, client):
    from examsys.credentials.models import Credential
    from examsys.credentials.public.verification import token_for

    token = token_for(demo.scalars(select(Credential)).first())
    by_browser = client.get(f"/V/{token}", headers={"Accept-Language": "mn"}).get_data(as_text=True)
    by_switch = client.get(f"/V/{token}?lang=mn_Mong_CN", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/public-register"' in by_browser
    assert 'href="/public-register?lang=mn_Mong_CN"' in by_switch and f'/V/{token}/report?lang=mn_Mong_CN"' in by_switch
    _assert_mongolian_page(client.get(f"/V/{token}/report?lang=mn_Mong_CN"), "report")


def test_a_server_error_reads_in_mongolian(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-the-test", "broken_for_the_test", broken)
    response = client.get("/broken-for-the-test", headers={"Accept-Language": "mn"})
    assert response.status_code == 500
    _assert_mongolian_page(response, "500")


def test_the_officer_s_own_pages_read_in_mongolian(demo, client, auth):
    from examsys.auth.models import User

    assert auth.login("officer", DEMO_PASSWORD).status_code == 302
    response = client.post("/language", data={"lang": "mn_Mong_CN", "next": "/exams/"})
    assert response.status_code == 302
    assert demo.scalar(select(User.locale).where(User.username == "officer")) == "mn_Mong_CN"
    for path in ("/exams/", "/me/credential", "/reviews/mine", "/practice/", "/practice/wrong", "/practice/question?language=zh"):
        response = client.get(path, headers={"Accept-Language": "zh-CN"})  # the account's choice wins
        assert response.status_code == 200, path
        _assert_mongolian_page(response, path)
    page = client.get("/exams/").get_data(as_text=True)
    assert 'value="zh_Hans_CN"' in page and 'value="en"' in page and 'value="mn_Mong_CN"' not in page  # the switch offers the other two


def test_the_web_font_is_served_by_the_app_and_allowed_by_the_policy(client):
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert 'url("../fonts/NotoSansMongolian-Regular.woff2")' in css
    font = client.get("/static/fonts/NotoSansMongolian-Regular.woff2")
    assert font.status_code == 200 and font.data[:4] == b"wOF2"
    assert "font-src 'self'" in client.get("/public-register").headers["Content-Security-Policy"]
    assert (ROOT / "examsys/static/fonts/OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1


def test_the_address_limit_s_refusal_says_it_in_mongolian_too():
    """The 429 of the address limits is a constant body (no template, no catalog): its Mongolian line is
    the catalog's translation of the same message."""
    from examsys.web import TOO_MANY_BODY

    assert _catalog()["Too many requests from this address. Wait a moment and try again."] in TOO_MANY_BODY.decode()


def test_the_register_shows_a_mongolian_name_first_where_there_is_one(demo, client, db):
    """The demo gives officer2 (朝鲁) and 新城区's market bureau Mongolian names (name_mn): on the register, in every
    language, the Mongolian form comes first in its own span; a person without one shows only the Chinese."""
    from examsys.personnel.models import Person

    named = db.query(Person).filter(Person.name_mn != "").first()
    assert named is not None
    for header in ("zh-CN", "mn", "en"):
        page = client.get("/public-register", headers={"Accept-Language": header}).get_data(as_text=True)
        assert f'<span class="mn-pair"><span class="mong" lang="mn-Mong">{named.name_mn}</span> <span class="person-name">{named.name}</span>' in page, header
        assert f'<span class="mn-pair"><span class="mong" lang="mn-Mong">{named.org.name_mn}</span> <span>{named.org.name}</span>' in page, header
    mongolian, chinese = named.name_mn, named.name
    db.query(Person).filter(Person.id == named.id).update({"name_mn": ""})
    db.commit()
    page = client.get("/public-register", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert f'data-label="姓名"><span class="mn-pair"><span class="person-name">{chinese}</span></span></td>' in page and mongolian not in page
