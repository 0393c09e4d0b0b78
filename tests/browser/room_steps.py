"""Steps the exam-room browser tests share: log in through the login page, leave the page for real, read the proctor view."""
from __future__ import annotations

# Headless Chromium keeps every tab visible and focused, so a departure is what the browser would report:
# the page hidden and the window without focus, then both back.
LEAVE = """() => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  document.hasFocus = () => false;
  window.dispatchEvent(new Event("blur"));
  document.dispatchEvent(new Event("visibilitychange"));
}"""
COME_BACK = """() => {
  delete document.visibilityState; delete document.hidden; delete document.hasFocus;
  window.dispatchEvent(new Event("focus"));
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def login(page, base: str, identifier: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#identifier", identifier)
    page.fill("#password", password)
    page.click("form button.primary")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.locator("main").inner_text()


def away(page, seconds: float) -> None:
    """Another tab or app in front for `seconds`, then the exam page again."""
    page.evaluate(LEAVE)
    page.wait_for_timeout(int(seconds * 1000))
    page.evaluate(COME_BACK)


def proctor_row(browser, base: str, identifier: str, password: str, plan_id: int, candidate: str, shots=None, locale="en-US",
                org: str | None = None) -> str:
    """The text of the candidate's row in the proctor view, read by the exam administrator in a browser of their own."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    try:
        admin = context.new_page()
        login(admin, base, identifier, password)
        admin.goto(f"{base}/exams/plans/{plan_id}/proctor")
        if shots is not None:
            admin.screenshot(path=str(shots), full_page=True)
        row = admin.locator("tbody tr", has_text=candidate)
        return (row.filter(has_text=org) if org else row).inner_text()
    finally:
        context.close()
