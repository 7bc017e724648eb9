"""The Outcomes dashboard in a real Chromium (issue 13), with figures to show: its wide tables (a
column per follow-up point) stay inside a 360 px screen, scrolling in their own box, in English and
in Filipino (the longest labels); nothing breaks the strict CSP."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ..insights.test_outcomes import completers, options  # noqa: F401  (the hand-counted fixture)
from .test_insights_in_chromium import PHONE, reader  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = reverse("insights:dashboard", args=["outcomes"])


@pytest.mark.parametrize("lang", ["en", "fil"])
def test_the_outcomes_fit_a_phone_with_their_tables_scrolling_in_their_box(
    reader,  # noqa: F811
    users,
    settings,
    completers,  # noqa: F811
    lang,
):
    settings.INSIGHTS_MIN_CELL = 2
    phone = reader(users["ana"], viewport=PHONE, lang=lang)
    page = phone.open(PAGE)
    expect(page.locator("#outcomes-work-by-kind svg.pygal-chart")).to_be_visible()
    expect(page.locator("#outcomes-work-by-kind .insight-table td").first).to_have_text("4")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    for figure in page.locator("section.figure").all():
        box = figure.locator(".table-scroll").bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    if os.environ.get("SCREENSHOTS"):
        for figure in page.locator("section.figure").all():
            key = figure.get_attribute("id")
            figure.screenshot(path=f"{os.environ['SCREENSHOTS']}/{key}-{lang}.png")
