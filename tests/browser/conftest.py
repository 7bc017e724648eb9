"""Browser tests drive Debian's Chromium through Playwright (it cannot download its own here).

Without a Chromium they skip loudly, unless REQUIRE_BROWSER=1 makes that a failure (CI sets it).
"""

import os
import shutil
import warnings

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# One timeout for page actions and for `expect` assertions, which would otherwise keep their own 5 s.
TIMEOUT_MS = 15_000

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not HAVE_CHROMIUM:
        message = f"NO CHROMIUM at {CHROMIUM}: browser tests are SKIPPED. Install Debian's chromium package."
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1)")
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_core() -> str:
    """axe-core's source, downloaded once from the npm registry (a11y.py). Without it the journeys
    skip loudly, unless REQUIRE_BROWSER=1 makes that a failure (CI sets it)."""
    from .a11y import AxeUnavailable, axe_source

    try:
        return axe_source()
    except AxeUnavailable as exc:
        message = f"NO AXE-CORE: the journeys are SKIPPED. {exc}"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1)")
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()
