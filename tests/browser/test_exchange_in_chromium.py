"""The HTCDS import and export pages in Chromium, at a phone's width (360 px), in English and in
Filipino: the upload, a preview with its problems, a large file followed by app.js while the worker
runs it (the page reloads by itself when the job is done), the import confirmed, the export form."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from reintegra.cases.models import Case
from reintegra.exchange.models import ImportJob

from ..conftest import client_for
from ..exchange.conftest import MARIA, SOMSRI, csv_bytes, fill_template
from ..exchange.test_pages import run_worker
from .test_forms_in_chromium import no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def page_as(browser, base, user, lang="en"):
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    client = client_for(user)  # the second factor settled
    context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base},
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            },
        ]
    )
    return context, context.new_page()


@pytest.mark.parametrize("lang", ["en", "fil"])
def test_a_file_with_problems_is_shown_by_row_and_column_at_phone_width(live_server, browser, users, tmp_path, lang):
    long_value = "x" * 180  # a long value wraps, it does not widen the page
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes([SOMSRI | {"prs_Birthdate": "1994-02-31"}, MARIA | {"prs_Gender": long_value}]))
    context, page = page_as(browser, live_server.url, users["sam"], lang)

    page.goto(f"{live_server.url}/exchange/import/")
    no_sideways_scroll(page)
    page.set_input_files("#import-file", str(path))
    page.click("#import-form button[type=submit]")

    expect(page.locator("#job-problems")).to_contain_text("prs_Birthdate")
    expect(page.locator("#job-problems")).to_contain_text("1994-02-31")
    no_sideways_scroll(page)
    expect(page.locator("#job-actions button.primary")).to_have_count(0)  # nothing to confirm
    assert not Case.objects.exists()
    page.goto(f"{live_server.url}/exchange/export/")
    no_sideways_scroll(page)
    context.close()


def test_a_large_file_is_followed_until_its_preview_then_imported(live_server, browser, users, tmp_path, settings):
    settings.EXCHANGE_IMPORT_BACKGROUND_ROWS = 1
    path = fill_template(tmp_path, [SOMSRI, MARIA])
    context, page = page_as(browser, live_server.url, users["sam"])

    page.goto(f"{live_server.url}/exchange/import/")
    page.set_input_files("#import-file", str(path))
    page.click("#import-form button[type=submit]")
    expect(page.locator("progress[data-job-progress]")).to_be_visible()
    no_sideways_scroll(page)

    run_worker()  # the worker beside the server; app.js sees the job finish and reloads the page

    expect(page.locator("#job-sample")).to_contain_text("S. K.", timeout=20_000)
    expect(page.locator("progress[data-job-progress]")).to_have_count(0)
    no_sideways_scroll(page)
    page.click("#job-actions button.primary")
    expect(page.locator("progress[data-job-progress]")).to_be_visible()
    run_worker()
    expect(page.locator("#job-outcome h2")).to_have_text("Imported", timeout=20_000)
    assert Case.objects.count() == 2
    assert not ImportJob.objects.get().has_file
    context.close()
