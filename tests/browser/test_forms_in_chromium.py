"""Forms in Chromium at a phone's width: the referral form offers the chosen agency's services only,
a refused form comes back filled in with its summary in view, and a long list of choices filters as
one types; no page scrolls sideways."""

import pytest
from playwright.sync_api import expect

from reintegra.cases import services as case_services

from ..cases.conftest import IDENTITY
from ..conftest import make_user
from .test_case_flow_in_chromium import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def test_the_referral_form_at_phone_width_filters_services_and_keeps_what_was_typed(live_server, browser, network):
    kanya = make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    case = case_services.case_open(actor=kanya, **IDENTITY)
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "kanya")
    page.goto(f"{base}/cases/{case.code}/")
    page.click("summary:has-text('Refer to another agency')")
    no_sideways_scroll(page)

    page.select_option("#referral-to_agency", str(network.beta.pk))
    shelter = network.beta.services.get()
    welding = network.trainer.services.get()
    expect(page.locator(f"#referral-service option[value='{shelter.pk}']")).not_to_have_attribute("hidden", "")
    expect(page.locator(f"#referral-service option[value='{welding.pk}']")).to_have_attribute("hidden", "")
    page.select_option("#referral-service", str(shelter.pk))
    page.check("#referral-form input[name=reasons][value=AdditionalServicesRequired]")
    page.fill("#referral-reason_text", "Needs a safe place for a month")
    page.check("#referral-form input[name=categories][value=profile]")
    page.click("#referral-form button[type=submit]")

    # No consent covers the sharing: the page comes back, the form open and filled in, the summary read.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("No consent covers")
    expect(page.locator("#referral-reason_text")).to_have_value("Needs a safe place for a month")
    expect(page.locator("#referral-service")).to_have_value(str(shelter.pk))
    expect(page.locator("#referral-form input[name=categories][value=profile]")).to_be_checked()
    no_sideways_scroll(page)
    summary.locator("a").first.click()
    expect(page).to_have_url(f"{base}/referrals/send/{case.code}/#referral-categories")
    context.close()


def test_a_long_list_of_countries_filters_as_one_types(live_server, page, network):
    make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    base = live_server.url
    log_in(page, base, "kanya")
    page.goto(f"{base}/cases/new/")
    box = page.locator("input[data-filter-for=id_citizenships]")
    box.fill("myan")
    expect(page.locator("#id_citizenships input[value=MM]")).to_be_visible()
    expect(page.locator("#id_citizenships input[value=TH]")).to_be_hidden()
    page.check("#id_citizenships input[value=MM]")
    box.fill("")
    expect(page.locator("#id_citizenships input[value=TH]")).to_be_visible()
    expect(page.locator("#id_citizenships input[value=MM]")).to_be_checked()
