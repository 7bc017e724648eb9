"""A caseworker records the profile, reads the recommendations and puts one forward; the returnee
declines it with a reason, in Chromium."""

import pytest
from playwright.sync_api import expect

from reintegra.cases import services as case_services

from ..cases.conftest import IDENTITY
from ..conftest import make_user
from ..livelihoods.conftest import WELDING
from .test_case_flow_in_chromium import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_profile_recommendation_and_decline_in_chromium(live_server, page, network):
    from reintegra.livelihoods import services

    kanya = make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    make_user("cora", network.council, "network_coordinator")
    services.opportunity_save(actor=None, provider=network.trainer, **WELDING)
    case = case_services.case_open(actor=kanya, **IDENTITY)
    base = live_server.url

    log_in(page, base, "kanya")
    page.goto(f"{base}/cases/{case.code}/")
    page.click("a:has-text('Skills and livelihood')")
    page.click("summary:has-text('Edit the profile')")
    page.select_option("#profile-form #id_experience_1_isco", "74")
    page.fill("#profile-form #id_experience_1_years", "3")
    page.check("#profile-form #id_experience_1_abroad")
    page.select_option("#profile-form #id_aspiration_1_isco", "74")
    page.select_option("#profile-form #id_aspiration_1_mode", "wage_job")
    page.fill("#profile-form #id_aspirations_words", "Work as an electrician near Mae Sai")
    page.check("#profile-form #id_needs_income_now")
    page.click("#profile-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Profile saved")
    expect(page.locator("#profile")).to_contain_text("Work as an electrician near Mae Sai")

    recommendations = page.locator("#recommendations")
    expect(recommendations).to_contain_text("Electrician apprenticeship")
    expect(recommendations).to_contain_text("It is their wish number 1.")
    recommendations.locator("button:has-text('Put this option forward')").first.click()
    expect(page.locator(".messages")).to_contain_text("Option recommended")

    page.click("#enrolments a:has-text('Electrician apprenticeship')")
    page.select_option("#move-to", "declined")
    page.fill("#move-reason", "I need to earn at once")
    page.click("#move-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Status recorded")
    expect(page.locator("h2")).to_contain_text(["Status: Declined"])
    page.goto(f"{base}/livelihoods/case/{case.code}/")
    expect(page.locator("#enrolments")).to_contain_text("I need to earn at once")
    expect(page.locator("#recommendations")).not_to_contain_text("Electrician apprenticeship")
