import pytest
from playwright.sync_api import expect

from ..conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-secret-pass"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page.locator("h1")).to_contain_text("Welcome")


def log_out(page) -> None:
    page.click("header form button:has-text('Log out')")


def test_intake_consent_referral_acceptance_and_timeline_across_two_agencies(live_server, page, network):
    make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    make_user("ramon", network.beta, "caseworker", password=PASSWORD)
    base = live_server.url

    log_in(page, base, "kanya")
    page.goto(f"{base}/cases/new/")
    page.fill("#id_given_name", "Wanida")
    page.fill("#id_family_name", "Srisai")
    page.fill("#id_birth_date", "1995-07-14")
    page.select_option("#id_gender", "Feminine")
    page.fill("#id_phones", "+66 89 555 0101")
    page.select_option("#id_stage", "shelter_assistance")
    page.click("button[type=submit].primary")
    expect(page.locator("h1 code")).to_be_visible()
    code = page.locator("h1 code").inner_text()
    # Identifying details are masked until asked for; htmx swaps them in without leaving the page.
    expect(page.locator("body")).not_to_contain_text("Wanida")
    page.click("button:has-text('Show identifying details')")
    expect(page.locator(".pii").first).to_contain_text("Wanida")
    assert page.url.endswith(f"/cases/{code}/")

    # A search by part of the name finds the case, and the name never reaches the address.
    page.goto(f"{base}/cases/")
    page.fill("#identity-search #id_name", "Srisa")
    page.click("#identity-search button[type=submit]")
    expect(page.locator("#search-result")).to_contain_text("1 case found")
    expect(page.locator("table")).to_contain_text(code)
    assert "search=" in page.url and "Srisa" not in page.url and "Wanida" not in page.url
    page.click(f"a:has-text('{code}')")

    page.click("summary:has-text('Record consent')")
    page.select_option("#consent-purpose", "sharing")
    page.select_option("#consent-recipient_agency", str(network.beta.pk))
    page.check("#consent-form input[name=categories][value=profile]")
    page.check("#consent-form input[name=categories][value=history]")
    page.select_option("#consent-language", "th")
    page.click("#consent-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Consent recorded")

    page.click("summary:has-text('Refer to another agency')")
    page.select_option("#referral-to_agency", str(network.beta.pk))
    page.check("#referral-form input[name=reasons][value=AdditionalServicesRequired]")
    page.check("#referral-form input[name=categories][value=profile]")
    page.select_option("#referral-urgency", "priority")
    page.click("#referral-form button[type=submit]")
    expect(page.locator("#referral-status")).to_have_text("Pending")
    log_out(page)

    log_in(page, base, "ramon")
    page.goto(f"{base}/referrals/")
    expect(page.locator("table")).to_contain_text(code)
    page.click(f"tr:has-text('{code}') a")
    page.click("button:has-text('Accept')")
    expect(page.locator("#referral-status")).to_have_text("Accepted")
    page.click("a:has-text('Open the case')")
    expect(page.locator("h1 code")).to_have_text(code)
    expect(page.locator("body")).not_to_contain_text("Wanida")  # identity was not shared
    expect(page.locator("body")).not_to_contain_text("555 0101")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Case opened")
    expect(timeline).to_contain_text("Referral sent to Beta DSWD Office")
    expect(timeline).to_contain_text("Accepted")


def test_escape_twice_clears_the_screen_ends_the_session_and_back_does_not_return(live_server, page, network):
    from reintegra.cases import services

    kanya = make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    case = services.case_open(actor=kanya, given_name="Wanida", family_name="Srisai", phones=["+66 89 555 0101"])
    base = live_server.url
    log_in(page, base, "kanya")
    page.goto(f"{base}/cases/{case.code}/")
    page.click("button:has-text('Show identifying details')")
    expect(page.locator(".pii").first).to_contain_text("Wanida")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(f"{base}/exit/")
    expect(page.locator("body")).not_to_contain_text("Wanida")
    assert page.title() == "New page"
    page.go_back()  # the case page was replaced in the history: Back goes to the page before it
    assert f"/cases/{case.code}/" not in page.url
    page.goto(f"{base}/cases/{case.code}/")
    assert "/login/" in page.url  # the session is over
