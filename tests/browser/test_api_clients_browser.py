"""In a real browser, in Chinese: the region's system administrator registers a partner system, sees its
token once, adds a second secret to rotate and revokes the first; the API reference page lists every
operation of the document."""
import os

from sqlalchemy import select

from examsys.api.models import ApiSecret
from examsys.auth.models import Role
from tests.factories import PASSWORD, make_user

SHOTS = os.environ.get("EXAMSYS_SHOTS", "")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_a_sysadmin_registers_and_rotates_a_client_in_chinese(app, db, tree, live_server, zh_page):
    page = zh_page
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    db.commit()
    page.goto(live_server + "/login")
    page.fill("#identifier", "admin")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.click("nav >> text=接口客户端")
    page.fill("#name", "省执法监督平台")
    page.select_option("#org_id", str(tree.county.id))
    page.check("input[value='credentials:read']")
    page.check("input[value='register:read']")
    _shot(page, "api-clients-form.png")
    page.click("form[action$='/api-clients'] button[type=submit]")
    token = page.locator(".secret").inner_text().strip()
    assert "只在此刻显示" in page.content() and len(token.split(".")) == 2
    _shot(page, "api-secret-once.png")
    page.click("text=前往该客户端")
    page.click("button:has-text('添加新密钥')")
    second = page.locator(".secret").inner_text().strip()
    assert second != token
    page.click("text=前往该客户端")
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("form.inline button", has_text="吊销").first.click()
    page.wait_for_selector("text=已吊销")
    _shot(page, "api-client-rotated.png")
    db.rollback()
    revoked = db.scalars(select(ApiSecret).where(ApiSecret.key_id == token.split(".")[0])).one()
    assert revoked.revoked_at is not None and token.split(".")[1] not in page.content()
    page.goto(live_server + "/api/v1/docs")
    for operation in ("GET /api/v1/credentials/{number}", "POST /api/v1/credentials/batch", "GET /api/v1/register/changes"):
        assert operation in page.locator("main").inner_text()
    _shot(page, "api-reference.png")
