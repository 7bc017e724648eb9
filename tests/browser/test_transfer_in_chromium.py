"""A hand-over at return in a real browser, at a phone's width (issue 16): the consular office that
met the returnee abroad proposes the case to the provincial office at home, under the returnee's
consent; the provincial office's supervisor accepts it, choosing the caseworker; the case is then
theirs, and the consulate's caseworker no longer opens it. No page scrolls sideways at 360 px."""

import pytest
from playwright.sync_api import Page, expect

from reintegra.cases import services as case_services
from reintegra.cases.choices import DataCategory
from reintegra.cases.models import Case
from reintegra.transfers.models import Transfer

from ..cases.conftest import IDENTITY, share_with
from ..conftest import make_agency, make_user
from .signin import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
PASSWORD = "a-long-secret-pass"


def fits(page: Page) -> None:
    # A click that navigates returns before the next page exists: wait for it to have loaded.
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px"


@pytest.fixture
def hand_over(db):
    consulate = make_agency(
        "th-consulate-kl", name="Thai Consulate, Kuala Lumpur", type="ForeignAffairsConsular", country="TH"
    )
    province = make_agency(
        "chiang-rai-office", name="Chiang Rai Provincial Office", type="LocalGovernmentOrganisation", areas=["TH-57"]
    )
    officer = make_user("malai", consulate, "caseworker", password=PASSWORD)
    make_user("consul", consulate, "supervisor", password=PASSWORD)
    make_user("head", province, "supervisor", password=PASSWORD)
    worker = make_user("nok", province, "caseworker", password=PASSWORD)
    case = case_services.case_open(actor=officer, **IDENTITY)
    share_with(officer, case, province, categories=list(DataCategory.values))
    return case, province, worker


def test_a_consulate_hands_a_case_over_to_the_provincial_office(live_server, browser, hand_over):
    case, province, worker = hand_over
    base = live_server.url
    consul = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    log_in(consul, base, "consul", PASSWORD)
    consul.goto(f"{base}/cases/{case.code}/")
    consul.locator("#transfer-link").click()
    expect(consul.locator("#propose-form")).to_be_visible()
    fits(consul)
    consul.locator("#id_to_agency").select_option(str(province.pk))
    consul.locator("#id_reason").fill("Returned home to Chiang Rai.")
    consul.locator("#propose-form button[type=submit]").click()
    expect(consul.locator("#transfer-status")).to_have_text("Waiting for an answer")
    fits(consul)
    transfer = Transfer.objects.get()
    assert transfer.consent is not None

    head = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    log_in(head, base, "head", PASSWORD)
    expect(head.locator("#transfers-waiting")).to_be_visible()
    head.locator(f"a[href='/transfers/{transfer.pk}/']").first.click()
    expect(head).to_have_url(f"{base}/transfers/{transfer.pk}/")
    fits(head)
    head.locator(f"#accept-form input[name=caseworker][value='{worker.pk}']").check()
    head.locator("#accept-form button[type=submit]").click()
    expect(head).to_have_url(f"{base}/cases/{case.code}/")
    expect(head.locator("#held-by")).to_contain_text("Thai Consulate, Kuala Lumpur")
    fits(head)
    moved = Case.objects.get(pk=case.pk)
    assert moved.agency == province and moved.caseworker == worker

    # The consulate's officer no longer opens the case.
    officer = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    log_in(officer, base, "malai", PASSWORD)
    response = officer.goto(f"{base}/cases/{case.code}/")
    assert response is not None and response.status == 404
