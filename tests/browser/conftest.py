"""Real-browser tests: headless Debian Chromium driven by Playwright, against the app served from a thread."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("EXAMSYS_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
        pytest.skip(f"needs Chromium at {CHROMIUM}: apt-get install chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test's app on a free local port in a thread; yields the base URL. CSRF protection is
    on, as in production: the pages and the exam room's saves must carry their tokens."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _tab(browser, viewport, locale):
    context = browser.new_context(viewport=viewport, locale=locale)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    return context, tab


@pytest.fixture
def page(browser, request):
    """A desktop tab whose browser asks for English, so tests can assert on English text."""
    context, tab = _tab(browser, getattr(request, "param", {"width": 1280, "height": 900}), "en-US")
    yield tab
    context.close()


@pytest.fixture
def zh_page(browser, request):
    """A tab of a browser set to Chinese, as the officers' browsers are."""
    context, tab = _tab(browser, getattr(request, "param", {"width": 1280, "height": 900}), "zh-CN")
    yield tab
    context.close()
