"""In a real browser: log in, land on the role's home page, switch language, log out."""
import pytest

from examsys.auth.models import Role
from tests.factories import PASSWORD, make_user


@pytest.fixture
def chinese_app(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"
    return app


def test_login_home_language_switch_and_logout(chinese_app, db, tree, live_server, zh_page):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    zh_page.goto(live_server + "/")
    assert "/login" in zh_page.url
    assert zh_page.locator("h1").inner_text() == "登录"
    zh_page.fill("#identifier", "hr")
    zh_page.fill("#password", PASSWORD)
    zh_page.click("button.primary")
    zh_page.wait_for_url(live_server + "/")
    assert "人事证件管理员" in zh_page.locator("main").inner_text()
    assert "新城区" in zh_page.locator("main").inner_text()
    zh_page.click("button[name=lang][value=en]")
    zh_page.wait_for_load_state()
    assert "HR / credential administrator" in zh_page.locator("main").inner_text()
    assert zh_page.locator("html").get_attribute("lang") == "en"
    zh_page.click("text=Log out")
    zh_page.wait_for_url("**/login")
    assert "You have logged out." in zh_page.locator("main").inner_text()


@pytest.mark.parametrize("zh_page", [{"width": 390, "height": 844}], indirect=True)
def test_phone_layout_folds_the_menu(chinese_app, db, tree, live_server, zh_page):
    make_user(db, "admin", tree.region, Role.SYSADMIN)
    zh_page.goto(live_server + "/login")
    zh_page.fill("#identifier", "admin")
    zh_page.fill("#password", PASSWORD)
    zh_page.click("button.primary")
    zh_page.wait_for_url(live_server + "/")
    nav = zh_page.locator("#site-nav")
    assert not nav.is_visible()
    zh_page.click("[data-nav-toggle]")
    assert nav.is_visible()
    zh_page.click("#site-nav >> text=组织机构")
    zh_page.wait_for_url("**/orgs/")
    assert "内蒙古自治区" in zh_page.locator("main").inner_text()


def test_wrong_password_shows_the_error_at_the_field(chinese_app, db, tree, live_server, zh_page):
    make_user(db, "hr", tree.county, Role.HR_ADMIN)
    zh_page.goto(live_server + "/login")
    zh_page.fill("#identifier", "hr")
    zh_page.fill("#password", "not-the-password")
    zh_page.click("button.primary")
    assert zh_page.locator(".field.has-error .error").inner_text() == "用户名或密码错误。多次失败后，本设备需等待一段时间才能再次登录。"
