"""In a real browser, in Chinese: an HR administrator whose role requires it sets up two-factor sign-in
by scanning the QR code, keeps the recovery codes, and then logs in with password and code."""
import os
import time

import pyotp
import pytest
from PIL import Image

from examsys.auth.models import Role
from tests.factories import PASSWORD, make_user
from tests.qr_reading import the_qr_code

SHOTS = os.environ.get("EXAMSYS_SHOTS", "")


@pytest.fixture
def chinese_app(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"
    app.config["TOTP_REQUIRED_ROLES"] = ("hr_admin",)
    return app


def _shot(page, name, tmp_path):
    path = os.path.join(SHOTS or str(tmp_path), f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path


def test_enrol_by_qr_code_then_log_in_with_the_code(chinese_app, db, tree, live_server, zh_page, tmp_path):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    zh_page.goto(live_server + "/login")
    zh_page.fill("#identifier", "hr")
    zh_page.fill("#password", PASSWORD)
    zh_page.click("button.primary")
    zh_page.wait_for_url("**/account/two-factor")
    assert "您的角色要求使用双因素登录" in zh_page.locator("main").inner_text()
    zh_page.click("text=设置双因素登录")
    zh_page.wait_for_selector(".qr-enrolment svg")
    shot = _shot(zh_page, "two-factor-enrol", tmp_path)
    box = zh_page.locator(".qr-enrolment svg").bounding_box()
    found = the_qr_code(Image.open(shot).crop((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"])))
    secret = pyotp.parse_uri(found.text).secret
    assert secret == zh_page.locator(".secret").inner_text()
    zh_page.fill("#code", pyotp.TOTP(secret).now())
    zh_page.click("button.primary")
    zh_page.wait_for_selector(".recovery-codes")
    assert zh_page.locator(".recovery-codes li").count() == 10
    _shot(zh_page, "two-factor-recovery-codes", tmp_path)
    zh_page.click("text=继续")
    zh_page.wait_for_url(live_server + "/")
    zh_page.click("text=退出")
    zh_page.wait_for_url("**/login")
    zh_page.fill("#identifier", "hr")
    zh_page.fill("#password", PASSWORD)
    zh_page.click("button.primary")
    zh_page.wait_for_url("**/login/second-factor")
    _shot(zh_page, "two-factor-login", tmp_path)
    zh_page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))  # the next step's code: the one used to enrol is good once
    zh_page.click("button.primary")
    zh_page.wait_for_url(live_server + "/")
    assert "人事证件管理员" in zh_page.locator("main").inner_text()
