"""In a real browser: the re-issuance page's run goes on by itself, step after step, until every officer
is done, then shows who was not eligible and why; and a phone opens the public register."""
import pytest

from examsys.credentials.reissue import services as reissue
from tests.factories import PASSWORD
from tests.test_reissue import NO_EXAM, _plan, setup  # noqa: F401 - the campaign fixture


def test_the_run_continues_by_itself_until_every_officer_is_done(app, db, setup, live_server, page):  # noqa: F811
    campaign = reissue.open_campaign(db, setup["hr"], _plan(setup))
    db.commit()
    app.config["REISSUE_CHUNK_SECONDS"] = 0  # one officer per step: seven requests
    steps = []
    page.on("response", lambda response: steps.append(response.status) if response.url.endswith("/run") else None)
    page.goto(f"{live_server}/login")
    page.fill("#identifier", "league-hr")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.goto(f"{live_server}/credentials/reissue/{campaign.id}")
    assert "0 of 7 done" in page.locator("[data-reissue-status]").inner_text()
    page.click("text=Start the run")
    page.wait_for_selector("text=Check the ineligible again")  # the page reloads when nothing is pending
    assert "7 of 7 done" in page.locator("[data-reissue-status]").inner_text()
    assert steps == [200] * 7
    assert NO_EXAM in page.locator("main").inner_text()
    assert page.locator("[data-count=issued]").inner_text() == "4"


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_a_phone_searches_the_public_register(app, db, setup, live_server, page):  # noqa: F811
    page.goto(f"{live_server}/public-register")
    assert "4 in all" in page.locator("main").inner_text()  # 甲 乙 丙 and 庚 of the setup hold credentials
    page.fill("input[name=q]", "甲")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/public-register?q=*")
    text = page.locator("main").inner_text()
    assert setup["old"]["甲"].number in text and "乙" not in text
    assert page.context.cookies() == []  # public, like the verify page
