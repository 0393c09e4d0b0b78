"""In a real browser: the question editor's preview follows what the exam administrator types."""
from examsys.auth.models import Role
from tests.factories import PASSWORD, make_user


def test_the_editor_preview_is_live(db, tree, live_server, page):
    make_user(db, "author", tree.region, Role.EXAM_ADMIN)
    page.goto(live_server + "/login")
    page.fill("#identifier", "author")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.goto(live_server + "/bank/new")
    page.select_option("#type", "single_choice")
    page.fill("#stem", "行政处罚的种类不包括哪一项？")
    page.fill("#option_A", "警告")
    page.fill("#option_B", "罚款")
    preview = page.locator("[data-preview-target]")
    preview.locator("text=行政处罚的种类不包括哪一项？").wait_for()
    preview.locator("text=罚款").wait_for()  # the preview follows each change, without pressing Preview
    assert preview.locator("input[type=radio]").count() == 2
