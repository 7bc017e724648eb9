"""Signing in through the real pages, the second factor included: a code of the app computed from the
device (tests/otp.py), or, the first time for a role that requires it, the set-up page's secret read
off the page and typed back as a code."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ..otp import key_of_secret_text, next_code, totp_code

SETUP = "/account/two-factor/set-up/"
VERIFY = "/login/code/"


def second_factor(page: Page, base: str, username: str, check: Callable[[str], None] | None = None) -> None:
    """Settles the second factor if the sign-in asks for one; `check` is called on each of its pages.
    Called right after the password is sent: waits for the sign-in page to be left first."""
    page.wait_for_url(lambda url: urlsplit(url).path != "/login/")
    page.wait_for_load_state("load")
    path = page.url.removeprefix(base)
    if path.startswith(SETUP):
        if check:
            check("two-factor-setup")
        key = key_of_secret_text(page.locator("#two-factor-secret").inner_text())
        page.locator("#id_code").fill(totp_code(key))
        page.locator("#two-factor-setup-form button[type=submit]").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        if check:
            check("two-factor-recovery-codes")
        page.locator("#recovery-codes ~ p a").click()
    elif path.startswith(VERIFY):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.locator("#id_code").fill(next_code(device))
        page.locator("#two-factor-form button[type=submit]").click()
    else:
        return
    page.wait_for_load_state("load")


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(f"{base}/login/")
    second_factor(page, base, username)
