"""The home area on the intake form in Chromium, at a phone's width: the agency's provinces at first;
ticking a citizenship brings that country's (htmx), the filter box finds one as one types, and the
case opens with it."""

import pytest
from playwright.sync_api import expect

from reintegra.cases.models import Returnee

from ..conftest import make_user
from .test_case_flow_in_chromium import PASSWORD, log_in
from .test_forms_in_chromium import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticking_a_citizenship_offers_its_provinces_as_home_area(live_server, browser, network):
    make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "kanya")
    page.goto(f"{base}/cases/new/")
    expect(page.locator("#id_home_area option[value='TH-57']")).to_have_count(1)
    expect(page.locator("#id_home_area option[value='MM-06']")).to_have_count(0)
    page.select_option("#id_home_area", "TH-57")

    page.locator("input[data-filter-for=id_citizenships]").fill("myan")
    page.check("#id_citizenships input[value=MM]")
    expect(page.locator("#id_home_area option[value='MM-06']")).to_have_count(1)
    expect(page.locator("#id_home_area")).to_have_value("TH-57")  # the area chosen stays chosen
    expect(page.locator("input[data-filter-for=id_home_area]")).to_have_count(1)
    no_sideways_scroll(page)

    page.locator("input[data-filter-for=id_home_area]").fill("yang")
    expect(page.locator("#id_home_area option[value='MM-06']")).not_to_have_attribute("hidden", "")
    page.select_option("#id_home_area", "MM-06")
    page.fill("#id_given_name", "Hnin")
    page.fill("#id_birth_date", "1998-06-01")
    page.click("#intake-form button[type=submit].primary")
    expect(page.locator("h1 code")).to_be_visible()
    expect(page.locator("dl.facts:not(.masked)")).to_contain_text("Yangon, Myanmar")
    assert Returnee.objects.get().home_area == "MM-06"
    context.close()
