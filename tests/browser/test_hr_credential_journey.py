"""HR's credential journey in a real browser, in Chinese, through the pages only, on the demo data
(`flask seed-demo`): hr_xincheng requests a credential for an eligible officer, hr approves it (four
eyes), prints the card; the QR code decoded from the downloaded PDF opens VALID on a phone; then HR
suspends (the phone says SUSPENDED), reinstates (VALID) and revokes (NOT VALID); the holder's My
credential shows the revocation. Screenshots of each step go to the test's temporary folder."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from examsys.auth.models import User
from examsys.demo import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LEGAL_SOURCE = "《中华人民共和国行政处罚法》第十七条；《中华人民共和国产品质量法》第十八条"


@pytest.fixture
def demo(app, runner, tmp_path):
    """The demo, as `make run` sets it up. The holder, officer4, passed the demo's first sitting and holds no
    credential yet."""
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


class Journey:
    def __init__(self, browser, base: str, folder: Path) -> None:
        self.browser, self.base, self.folder, self.contexts, self.step = browser, base, folder, [], 0

    def tab(self, viewport=DESKTOP):
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())  # the pages' "are you sure?" prompts
        return page

    def login(self, username: str, viewport=DESKTOP):
        page = self.tab(viewport)
        page.goto(f"{self.base}/login")
        page.fill("#identifier", username)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main form button.primary")
        assert "/login" not in page.url, page.locator("main").inner_text()
        return page

    def shot(self, page, name: str) -> Path:
        self.step += 1
        path = self.folder / f"{self.step:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(browser, live_server, tmp_path):
    folder = tmp_path / "shots"
    folder.mkdir()
    trip = Journey(browser, live_server, folder)
    yield trip
    trip.close()


def _decode_card_qr(pdf: Path) -> str:
    """The URL in the QR code on the back of the card (page 2), from a 300 dpi rendering."""
    from PIL import Image

    from tests.qr_reading import the_qr_code

    subprocess.run(["pdftoppm", "-r", "300", "-f", "2", "-l", "2", "-png", str(pdf), str(pdf.with_suffix(""))], check=True)
    return the_qr_code(Image.open(next(pdf.parent.glob(pdf.stem + "*.png")))).text


def _download(page, link: str, folder: Path):
    """Click a PDF link as HR does (it downloads): the saved file and its suggested name."""
    with page.expect_download() as info:
        page.click(link)
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def _verdict(phone) -> str:
    phone.reload()
    return phone.locator(".verdict-word").get_attribute("data-verdict")


def _change(hr, action: str, **fields: str) -> None:
    hr.select_option("#action", action)
    for name, value in fields.items():
        hr.fill(f"#{name}", value)
    with hr.expect_navigation():
        hr.click("form[action$='/change'] button[type=submit]")
    assert hr.locator(".flash-success").count() == 1, hr.locator("main").inner_text()


def test_hr_requests_approves_prints_and_the_public_sees_each_change(app, db, demo, journey, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils; CI installs it) to read the card's QR code")
    pytest.importorskip("zxingcpp", reason="needs zxing-cpp (requirements-dev.txt) to decode the card's QR code")
    holder = db.scalar(select(User).where(User.username == "officer4"))  # passed the demo sitting, holds no credential
    name = holder.person.name

    # hr_xincheng finds the officer on the register and requests a credential
    requester = journey.login("hr_xincheng")
    requester.click("nav a[href$='/personnel/']")
    requester.fill("input[name=q]", name)
    with requester.expect_navigation():
        requester.press("input[name=q]", "Enter")
    requester.click(f"main table a:text-is('{name}')")
    requester.click("a[href*='/credentials/requests/new/']")
    assert requester.locator(".error-title").count() == 0, requester.locator("main").inner_text()  # eligible: no reasons
    requester.fill("#legal_source", LEGAL_SOURCE)
    journey.shot(requester, "request-form")
    with requester.expect_navigation():
        requester.click("main form button.primary")
    assert requester.locator("form[action$='/approve']").count() == 0  # four eyes: not their own request
    assert requester.locator("form[action$='/withdraw']").count() == 1
    journey.shot(requester, "request-sent")

    # hr (the issuing authority, 呼和浩特市 and above) approves it from the queue
    hr = journey.login("hr")
    hr.click("nav a[href$='/credentials/requests/']")
    hr.click(f"main a[href*='/credentials/requests/']:has-text('{name}')")
    assert hr.locator("form[action$='/withdraw']").count() == 0  # the approver never withdraws
    journey.shot(hr, "request-to-approve")
    with hr.expect_navigation():
        hr.click("form[action$='/approve'] button")
    assert "/credentials/" in hr.url and hr.locator(".flash-success").count() == 1
    journey.shot(hr, "credential-issued")

    # the card, downloaded through the page; its QR code opens the verify page on a phone
    card = _download(hr, "a[href$='/card.pdf']", tmp_path)
    assert card.read_bytes().startswith(b"%PDF")
    url = _decode_card_qr(card)
    assert url.startswith(journey.base.upper() + "/V/"), url  # the address the app is served on, not 127.0.0.1:5000
    phone = journey.tab(PHONE)
    phone.goto(url)
    assert phone.locator(".verdict-word").get_attribute("data-verdict") == "VALID"
    assert phone.locator(".verdict-word").inner_text() == "有效"
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    journey.shot(phone, "phone-valid")

    # suspend: the phone says SUSPENDED at once, and a card-recovery task opens
    _change(hr, "suspend", ground="行政执法证件管理办法第二十条", decision_number="呼执暂〔2026〕9号", reason="涉嫌违法执法，立案调查")
    assert hr.locator("form[action*='/recoveries/']").count() == 1
    assert _verdict(phone) == "SUSPENDED" and phone.locator(".verdict-word").inner_text() == "暂扣"
    journey.shot(phone, "phone-suspended")

    # reinstate: VALID again, and the recovery task is closed with it
    _change(hr, "reinstate", reason="调查结束，未发现违法")
    assert hr.locator("form[action*='/recoveries/']").count() == 0
    assert _verdict(phone) == "VALID"
    journey.shot(phone, "phone-reinstated")

    # revoke: NOT VALID; HR's print is now only the void copy for the file
    _change(hr, "revoke", ground="行政执法证件管理办法第二十一条", decision_number="呼执撤〔2026〕9号", reason="违法执法，情节严重",
            case_number="呼执监案〔2026〕9号", decided_on="2026-06-01", document_ref="呼执撤〔2026〕9号行政执法证吊销决定书")
    assert _verdict(phone) == "NOT VALID" and phone.locator(".verdict-word").inner_text() == "无效"
    journey.shot(phone, "phone-revoked")
    journey.shot(hr, "credential-revoked")
    assert _download(hr, "a[href$='/card.pdf']", tmp_path).name.endswith("-void.pdf")

    # the holder's My credential shows the revocation: status, date, decision
    own = journey.login("officer4", PHONE)
    if own.locator("[data-nav-toggle]").is_visible():  # the phone's menu
        own.click("[data-nav-toggle]")
    own.click("a[href$='/me/credential']")
    ended = own.locator("[data-status=revoked]")
    assert ended.count() == 1
    text = ended.inner_text()
    assert "吊销" in text and "呼执撤〔2026〕9号" in text and "决定日期" in text
    assert own.locator("a[href$='/card.pdf']").count() == 0
    journey.shot(own, "holder-my-credential")
