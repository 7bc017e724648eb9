"""A follow-up that did not reach the returnee (issue 16), recorded from the assessment's page at a
phone's width: a future day comes back beside its field with the rest kept; a good one is listed."""

import datetime

import pytest
from playwright.sync_api import expect

from reintegra.cases import services as case_services
from reintegra.cases.models import Case
from reintegra.lib import clock
from reintegra.plans.models import ContactAttempt

from ..cases.conftest import IDENTITY
from ..conftest import make_user
from .test_case_flow_in_chromium import PASSWORD, log_in
from .test_forms_in_chromium import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_not_reached_from_the_assessment_page_at_phone_width(live_server, browser, network):
    kanya = make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    case = case_services.case_open(actor=kanya, **IDENTITY)
    Case.objects.filter(pk=case.pk).update(opened_at=clock.now() - datetime.timedelta(days=30))
    case.refresh_from_db()
    case_services.return_record(
        actor=kanya,
        case=case,
        country_from="MY",
        returned_on=clock.today() - datetime.timedelta(days=20),
        return_type="assisted_voluntary",
    )
    baseline = case.assessments.get(point="baseline")
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "kanya")
    page.goto(f"{base}/cases/{case.code}/plan/assessments/{baseline.pk}/")
    page.click("#not-reached-form >> xpath=ancestor::details/summary")
    no_sideways_scroll(page)
    tomorrow = (clock.today() + datetime.timedelta(days=1)).isoformat()
    page.fill("#not-reached-on", tomorrow)
    page.select_option("#not-reached-how", "visit")
    page.fill("#not-reached-note", "Nobody at the house; a neighbour said they moved to the city")
    page.click("#not-reached-form button[type=submit]")

    expect(page.locator("#not-reached-on_error")).to_contain_text("future")
    expect(page.locator("#not-reached-note")).to_have_value(
        "Nobody at the house; a neighbour said they moved to the city"
    )
    expect(page.locator("#not-reached-how")).to_have_value("visit")
    no_sideways_scroll(page)
    assert not ContactAttempt.objects.exists()

    page.fill("#not-reached-on", clock.today().isoformat())
    page.click("#not-reached-form button[type=submit]")
    expect(page.locator(".not-reached-list li")).to_contain_text("a neighbour said they moved to the city")
    no_sideways_scroll(page)
    assert ContactAttempt.objects.get().how == "visit"
    context.close()
