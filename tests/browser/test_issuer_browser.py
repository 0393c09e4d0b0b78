"""In a real browser: the region's administrator designates an issuing authority on the node's page (a
prefix taken by another authority is refused at the field), and HR of the issuer sees the decision that an
officer's retirement opened on the credential, which the public verify page shows as SUSPENDED."""
import os
from datetime import timedelta

from examsys import clock
from examsys.auth.models import Role
from examsys.credentials import services
from examsys.credentials.keys import KeyStore
from examsys.credentials.public.verification import token_for
from examsys.orgs.issuers import designate_issuer
from examsys.personnel import services as personnel
from examsys.personnel.models import EmploymentStatus
from tests.credential_fixtures import issue_request
from tests.factories import PASSWORD, make_user

SHOTS = os.environ.get("EXAMSYS_SHOTS", "")


def _login(page, base, username):
    page.goto(base + "/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.click("button.primary")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_the_region_administrator_designates_an_issuer_in_chinese(app, db, tree, live_server, zh_page):
    page = zh_page
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    designate_issuer(db, None, tree.county.id)
    db.commit()
    _login(page, live_server, "admin")
    page.goto(f"{live_server}/orgs/{tree.other_county.id}")
    page.fill("#prefix", "150102")
    page.click("text=确定为发证机关")
    assert "前缀 150102 已属于 新城区，请另选。" in page.locator("#issuer").inner_text()
    _shot(page, "issuer-refused.png")
    page.fill("#prefix", "150105")
    page.click("text=确定为发证机关")
    page.wait_for_url(f"**/orgs/{tree.other_county.id}")
    assert "是：证件编号以 150105 开头" in page.locator("#issuer-status").inner_text()
    _shot(page, "issuer-designated.png")


def test_hr_of_the_issuer_sees_the_decision_after_a_retirement(app, db, tree, issuing, live_server, page, tmp_path):
    app.config["KEY_DIR"] = str(tmp_path / "keys")
    KeyStore(tmp_path / "keys").init(clock.now() - timedelta(minutes=5))
    credential = services.issue(db, issuing["hr"], issue_request(issuing, issuing["officer"]))
    personnel.change_employment(db, issuing["hr"], issuing["officer"].id, EmploymentStatus.RETIRED, "退休审批〔2026〕8号")
    db.commit()
    _login(page, live_server, "issuer-hr")
    page.goto(live_server + "/personnel/tasks")
    assert "退休审批〔2026〕8号" in page.locator("table").first.inner_text()
    _shot(page, "decision-tasks.png")
    page.goto(f"{live_server}/credentials/{credential.id}")
    assert "Decision due" in page.locator("#decision").inner_text()
    _shot(page, "decision-credential.png")
    page.goto(f"{live_server}/V/{token_for(credential)}")
    assert page.locator("[data-verdict]").first.get_attribute("data-verdict") == "SUSPENDED"
    assert "退休" not in page.content()
    _shot(page, "decision-verify.png")
