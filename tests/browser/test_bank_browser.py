"""In a real browser: the question editor's preview follows what the exam administrator types."""
from examsys.auth.models import Role
from tests.browser.room_steps import login
from tests.factories import PASSWORD, make_user


def test_the_editor_preview_is_live(db, tree, live_server, page):
    make_user(db, "author", tree.region, Role.EXAM_ADMIN)
    login(page, live_server, "author", PASSWORD)
    page.goto(live_server + "/bank/new")
    page.select_option("#type", "single_choice")
    page.fill("#stem", "行政处罚的种类不包括哪一项？")
    page.fill("#option_A", "警告")
    page.fill("#option_B", "罚款")
    preview = page.locator("[data-preview-target]")
    preview.locator("text=行政处罚的种类不包括哪一项？").wait_for()
    preview.locator("text=罚款").wait_for()  # the preview follows each change, without pressing Preview
    assert preview.locator("input[type=radio]").count() == 2


def test_a_slow_preview_never_replaces_a_newer_one(db, tree, live_server, page):
    """Each change asks for a preview at once, so answers can come back out of order: the first answer is held
    back here until the newer one is shown, and when it arrives late the preview still shows the newest text."""
    from playwright.sync_api import expect

    make_user(db, "author", tree.region, Role.EXAM_ADMIN)
    login(page, live_server, "author", PASSWORD)
    page.goto(live_server + "/bank/new")
    page.select_option("#type", "single_choice")
    page.wait_for_timeout(600)  # let the type change's own preview come and go
    held: list = []

    def hold_the_first(route):
        if not held:
            held.append(route)  # answered below, after the newer preview is on the page
        else:
            route.continue_()

    page.route("**/bank/preview", hold_the_first)
    page.fill("#stem", "旧的题干")
    page.dispatch_event("#stem", "change")
    page.wait_for_timeout(100)
    page.fill("#stem", "新的题干")
    page.dispatch_event("#stem", "change")
    preview = page.locator("[data-preview-target]")
    expect(preview).to_contain_text("新的题干")
    page.wait_for_timeout(800)  # and the typing's own (debounced) preview has come and gone too
    assert len(held) == 1 and "旧的题干" in (held[0].request.post_data or "")
    held[0].continue_()  # the older answer arrives last
    page.wait_for_timeout(800)
    expect(preview).to_contain_text("新的题干")
    assert "旧的题干" not in preview.inner_text()
