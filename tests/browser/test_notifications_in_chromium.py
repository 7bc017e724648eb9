"""The notifications at a phone's width (360 px), in English and in Thai: the unread count in the
header, the list, opening a notice (marked read, taken to its page), and the e-mail preference."""

import pytest
from playwright.sync_api import expect

from reintegra.notifications import services
from reintegra.notifications.models import EmailFrequency, Kind, Notification

from .test_exchange_in_chromium import page_as
from .test_forms_in_chromium import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("lang", ["en", "th"])
def test_a_caseworker_reads_a_notice_and_chooses_a_digest_at_phone_width(live_server, browser, users, lang):
    alice = users["alice"]
    services.notify([alice], kind=Kind.TASK_OVERDUE, case_code="TH-AAAA-0001", link="/cases/tasks/")
    services.notify([alice], kind=Kind.TRAINING_NO_PLACEMENT, case_code="TH-AAAA-0002", link="/livelihoods/enrolments/")
    context, page = page_as(browser, live_server.url, alice, lang)

    page.goto(f"{live_server.url}/")
    expect(page.locator("#unread-count")).to_contain_text("2")
    page.click(".notices-link")
    expect(page.locator("#notifications li.unread")).to_have_count(2)
    no_sideways_scroll(page)
    page.locator("#notifications .notice-open button").first.click()
    expect(page).to_have_url(f"{live_server.url}/livelihoods/enrolments/")
    expect(page.locator("#unread-count")).to_contain_text("1")
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

    page.goto(f"{live_server.url}/notifications/email/")
    no_sideways_scroll(page)
    page.check("input[name=frequency][value=daily]")
    page.click("#email-preference-form button[type=submit]")
    expect(page.locator("input[name=frequency][value=daily]")).to_be_checked()
    assert services.frequency_of(alice) == EmailFrequency.DAILY
    context.close()
