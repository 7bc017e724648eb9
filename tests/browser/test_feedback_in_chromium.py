"""The returnee's feedback in a real browser at a phone's width (issue 16): a caseworker gives the
feedback link after a completed referral (QR code and code on the page), and the returnee, on a
phone with no account, types the code, answers in their language and is thanked; no page scrolls
sideways at 360 px."""

import pytest
from playwright.sync_api import Page, expect

from reintegra.cases import services as case_services
from reintegra.feedback.models import FeedbackAnswer, FeedbackLink
from reintegra.referrals.models import Referral

from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import make_user
from .signin import second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
PASSWORD = "a-long-secret-pass"


def fits(page: Page) -> None:
    # A click that navigates returns before the next page exists: wait for it to have loaded.
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px"


@pytest.fixture
def completed_referral(network):
    worker = make_user("ploy", network.alpha, "caseworker", password=PASSWORD)
    case = case_services.case_open(actor=worker, **IDENTITY)
    share_with(worker, case, network.beta)
    referral = refer(worker, case, network.beta)
    Referral.objects.filter(pk=referral.pk).update(status="completed")
    return referral


def test_a_returnee_answers_a_feedback_link_on_a_phone(live_server, browser, completed_referral):
    staff = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    staff.goto(f"{live_server.url}/login/")
    staff.fill("#id_username", "ploy")
    staff.fill("#id_password", PASSWORD)
    staff.click("button[type=submit].primary")
    second_factor(staff, live_server.url, "ploy")
    staff.goto(f"{live_server.url}/referrals/{completed_referral.pk}/")
    fits(staff)
    staff.get_by_role("button", name="Feedback link for the returnee").click()
    expect(staff.locator(".feedback-qr-box svg")).to_be_visible()
    code = staff.locator("#feedback-code").inner_text()
    assert "Somsri" not in staff.locator("main").inner_text()
    fits(staff)
    assert FeedbackLink.objects.count() == 1

    phone = browser.new_context(locale="en-GB", viewport=PHONE).new_page()
    phone.goto(f"{live_server.url}/f/")
    fits(phone)
    phone.locator("#id_code").fill(code.lower())
    phone.locator("#feedback-code-form button[type=submit]").click()
    expect(phone.locator("#feedback-answer-form")).to_be_visible()
    body = phone.locator("main").inner_text()
    assert completed_referral.case.code not in body and "Somsri" not in body and "Beta" not in body
    fits(phone)
    # The returnee reads it in Filipino: the form comes back in that language, nothing typed lost.
    phone.locator("#id_comment").fill("Salamat po")
    phone.locator("#id_lang").select_option("fil")
    phone.locator("button[name=switch]").click()
    expect(phone.locator("html")).to_have_attribute("lang", "fil")
    expect(phone.locator("#id_comment")).to_have_value("Salamat po")
    phone.locator("#id_usefulness_0").check()  # 5
    phone.locator("#id_respected_0").check()  # yes
    phone.locator("#id_choice_respected_1").check()  # partly
    fits(phone)
    phone.locator("#feedback-send").click()
    expect(phone.locator("#feedback-thanks")).to_be_visible()
    fits(phone)
    answer = FeedbackAnswer.objects.get()
    assert (answer.usefulness, answer.respected, answer.choice_respected) == (5, "yes", "partly")
    assert answer.comment == "Salamat po" and not FeedbackLink.objects.exists()
    # The code works once.
    phone.goto(f"{live_server.url}/f/")
    phone.locator("#id_code").fill(code)
    phone.locator("#feedback-code-form button[type=submit]").click()
    expect(phone.locator("#feedback-refused")).to_be_visible()
