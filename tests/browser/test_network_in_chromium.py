import re

import pytest
from playwright.sync_api import expect

from ..conftest import make_user
from .signin import second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator(network):
    return make_user("rosa", network.council, "network_coordinator", password="a-long-secret-pass")


def test_a_coordinator_logs_in_filters_the_directory_opens_the_coverage_map_and_reads_it_in_thai(
    live_server, page, coordinator
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rosa")
    page.fill("#id_password", "a-long-secret-pass")
    page.click("button[type=submit].primary")
    second_factor(page, live_server.url, "rosa")  # a coordinator: set up at this first sign-in
    expect(page.locator("h1")).to_contain_text("Welcome")

    page.goto(f"{live_server.url}/network/")
    expect(page.locator(".agency")).to_have_count(5)
    # htmx swaps the results in when a filter changes, without reloading the page.
    page.select_option("#id_stage", "reintegration")
    expect(page.locator(".agency")).to_have_count(2)
    expect(page.locator("#directory-results")).to_contain_text("Gamma Skills Centre")
    expect(page).to_have_url(re.compile(r"stage=reintegration"))
    # Choosing a country loads its areas into the area filter.
    page.select_option("#id_country", "PH")
    expect(page.locator("#id_area option[value='PH-CEB']")).to_have_count(1)
    expect(page.locator(".agency")).to_have_count(0)

    page.click("nav >> text=Coverage map")
    expect(page.locator("table.coverage")).to_be_visible()
    expect(page.locator("table.coverage td.gap").first).to_be_visible()
    page.select_option("#id_country", "PH")
    expect(page.locator("table.coverage")).to_contain_text("Cebu")

    page.select_option("#language-select", "th")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("h1")).to_contain_text("แผนที่")
    expect(page.locator("table.coverage")).to_contain_text("เซบู")  # Cebu, named in Thai
    # The Thai text is drawn with a Thai font, not with boxes: its glyphs have width.
    width = page.evaluate(
        "() => { const s = document.createElement('span'); s.textContent = 'ภาษาไทย';"
        " document.body.appendChild(s); return s.getBoundingClientRect().width; }"
    )
    assert width > 20
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_wrong_password_shows_an_error_in_the_browser(live_server, page, coordinator):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rosa")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit].primary")
    expect(page.locator(".errors")).to_be_visible()
