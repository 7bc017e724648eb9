"""The insights in a real Chromium (issue 13): the charts pygal draws on the server read in Thai, drawn
with a Thai font and not as boxes; no dashboard scrolls sideways at 360 px; nothing breaks the strict
CSP; a printed dashboard keeps its figures and tables and drops its filters; the Print button prints.

Readers are signed in by cookie, with the second factor settled (tests/conftest.py `client_for`).
"""

import datetime
import io
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from reintegra.accounts.models import User
from reintegra.insights.dashboards import DASHBOARDS

from ..conftest import client_for
from ..insights.factory import many

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 900}
THAI = re.compile(r"[\u0e00-\u0e7f]")
THAI_FONTS = re.compile(
    r"Loma|Garuda|Kinnari|Norasi|Sawasdee|Umpush|Waree|Tlwg|Laksaman|Purisa|Thai|Sarabun|Leelawadee|Thonburi", re.I
)
# Every violation of the CSP, as the page sees it (an inline style or script that the policy refused).
CATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""
STUB_PRINT = "window.__printed = 0; window.print = () => { window.__printed += 1; };"


@pytest.fixture
def returns(users, settings) -> None:
    """A few returns of Alpha's (Sam's agency), small enough to show with k = 2: from Malaysia and
    from Myanmar, in two quarters, of women and men."""
    settings.INSIGHTS_MIN_CELL = 2
    alice = users["alice"]
    many(alice, 3, country_from="MY", returned_on=datetime.date(2026, 2, 3), exploitation=["ForcedLabour"])
    many(alice, 2, country_from="MM", returned_on=datetime.date(2026, 5, 12), gender="Masculine", age=22)
    many(alice, 2, country_from="MY", returned_on=datetime.date(2026, 5, 20), return_type="assisted_voluntary")


class Reader:
    """A browser tab signed in as one user, counting the CSP violations and console errors it meets."""

    def __init__(self, browser: Browser, base: str, user: User, *, viewport: dict[str, int], lang: str = "en"):
        self.base = base
        self.context = browser.new_context(locale="en-GB", viewport=viewport)
        client = client_for(user)  # the second factor settled, as analysts and supervisors must
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [
                {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base},
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base},
            ]
        )
        self.context.add_init_script(CATCH_CSP)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.violations: list[str] = []

    def open(self, path: str, status: int = 200) -> Page:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, f"{path}: {response and response.status}"
        self.page.wait_for_load_state("load")
        self.violations += [f"{path}: {v}" for v in self.page.evaluate("window.__csp")]
        return self.page

    def close(self) -> None:
        self.context.close()
        assert self.violations == [], self.violations
        assert not [e for e in self.errors if "Content Security Policy" in e], self.errors


@pytest.fixture
def reader(browser: Browser, live_server) -> Iterator:
    opened: list[Reader] = []

    def open_as(user: User, *, viewport: dict[str, int] = LAPTOP, lang: str = "en") -> Reader:
        opened.append(Reader(browser, live_server.url, user, viewport=viewport, lang=lang))
        return opened[-1]

    yield open_as
    for r in opened:
        r.close()


def dashboards_of(user: User) -> list[str]:
    whole_network = user.role != "supervisor"
    return [d.name for d in DASHBOARDS.values() if not (d.supervisors_only and whole_network)]


def test_the_charts_read_in_thai_and_are_drawn_with_a_thai_font_not_boxes(reader, users, returns):
    sam = reader(users["sam"])
    page = sam.open(reverse("insights:dashboard", args=["returns"]))
    expect(page.locator("svg.pygal-chart").first).to_be_visible()
    # The reader switches the site to Thai with the language switcher, and comes back to the dashboard.
    page.select_option("#language-select", "th")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    assert page.url.endswith(reverse("insights:dashboard", args=["returns"]))
    sam.violations += page.evaluate("window.__csp")

    texts = page.locator("svg.pygal-chart text").all_text_contents()
    thai = [t for t in texts if THAI.search(t)]
    assert "มาเลเซีย" in thai, texts  # Malaysia, a series of the first chart, named in Thai
    # Drawn, not boxes: in the chart's own <text>, a consonant with a vowel mark above it is as wide
    # as the consonant alone (a missing glyph would add a box), and distinct letters differ in width
    # (boxes would all be alike). And the font Chromium used for the chart's Thai text is a Thai one.
    widths = page.evaluate(
        """() => {
          const svg = document.querySelector("svg.pygal-chart");
          const probe = document.createElementNS("http://www.w3.org/2000/svg", "text");
          probe.setAttribute("class", "title");
          svg.appendChild(probe);
          const width = (s) => { probe.textContent = s; return probe.getComputedTextLength(); };
          const result = {ko: width("ก"), ki: width("กิ"), letters: ["ก", "ม", "ว", "ฬ", "ไ", "ท"].map(width)};
          probe.remove();
          return result;
        }"""
    )
    assert widths["ko"] > 3
    assert abs(widths["ki"] - widths["ko"]) < 0.5, widths
    assert len({round(w, 1) for w in widths["letters"]}) > 2, widths
    legend = page.locator("svg.pygal-chart .legends text", has_text="มาเลเซีย").first
    legend.evaluate("(e) => e.setAttribute('id', 'thai-probe')")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#thai-probe"})["nodeId"]
    fonts = [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
    assert any(THAI_FONTS.search(f) for f in fonts), fonts


def test_the_charts_are_styled_by_app_css_in_the_palette_with_tooltips_hidden(reader, users, returns):
    page = reader(users["ana"]).open(reverse("insights:dashboard", args=["returns"]))
    chart = page.locator("svg.pygal-chart").first
    styles = chart.evaluate(
        """(svg) => {
          const style = (selector) => { const e = svg.querySelector(selector); return e && getComputedStyle(e); };
          return {
            first: style(".series.color-0 rect").fill,
            second: style(".series.color-1 rect").fill,
            yAnchor: style(".axis.y text").textAnchor,
            title: style(".title").textAnchor,
            tooltip: style(".tooltip-overlay").display,
            font: style(".axis text").fontFamily,
            page: getComputedStyle(document.body).fontFamily,
            width: svg.getBoundingClientRect().width,
            box: svg.parentElement.getBoundingClientRect().width,
          };
        }"""
    )
    assert styles["first"] == "rgb(0, 114, 178)"  # Okabe–Ito blue
    assert styles["second"] == "rgb(230, 159, 0)"  # Okabe–Ito orange
    assert styles["yAnchor"] == "end" and styles["title"] == "middle"
    assert styles["tooltip"] == "none"
    assert styles["font"] == styles["page"]  # the page's fonts, Thai ones included
    assert abs(styles["width"] - styles["box"]) < 1  # the chart scales to its figure
    # On a wide screen each figure's chart and table stand side by side.
    grid = page.locator(".figure-grid").first
    chart_box, table_box = grid.locator("figure.chart").bounding_box(), grid.locator(".table-scroll").bounding_box()
    assert chart_box and table_box and table_box["x"] > chart_box["x"] + chart_box["width"] - 1


@pytest.mark.parametrize("persona, lang", [("ana", "fil"), ("sam", "th"), ("cora", "en")])
def test_no_insights_page_scrolls_sideways_at_360_px(reader, users, returns, persona, lang):
    user = users[persona]
    phone = reader(user, viewport=PHONE, lang=lang)
    paths = [reverse("insights:index"), reverse("home")]
    paths += [reverse("insights:dashboard", args=[name]) for name in dashboards_of(user)]
    too_wide = []
    for path in paths:
        page = phone.open(path)
        scroll = page.evaluate("document.scrollingElement.scrollWidth")
        if scroll > page.evaluate("window.innerWidth"):
            too_wide.append(f"{path}: {scroll} px")
    # A refused filter too: the page comes back with its error, and fits.
    page = phone.open(reverse("insights:dashboard", args=["returns"]) + "?since=2026-05-01&until=2026-01-01", 400)
    expect(page.locator(".insight-filters .error").first).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    assert too_wide == [], too_wide
    # The stacked figure: the chart above its table, in the width of the screen.
    page = phone.open(reverse("insights:dashboard", args=["returns"]))
    grid = page.locator(".figure-grid").first
    chart_box, table_box = grid.locator("figure.chart").bounding_box(), grid.locator(".table-scroll").bounding_box()
    assert chart_box and table_box and table_box["y"] >= chart_box["y"] + chart_box["height"] - 1
    assert table_box["x"] + table_box["width"] <= PHONE["width"]


def test_the_menu_leads_to_the_insights_and_the_filters_offer_a_box_to_type_in(reader, users, returns):
    page = reader(users["cora"]).open(reverse("home"))
    page.locator("header nav a", has_text="Insights").click()
    expect(page.locator("h1")).to_have_text("Insights")
    page.locator(".dashboard-list a", has_text="Returns").click()
    expect(page.locator("h1")).to_have_text("Returns")
    box = page.locator("input.choice-filter[data-filter-for='id_country']")
    expect(box).to_be_visible()
    box.fill("Malay")
    expect(page.locator("#id_country option[value='MY']")).not_to_have_attribute("hidden", "")
    assert page.locator("#id_country option[value='TH']").evaluate("(o) => o.hidden")
    page.select_option("#id_country", "MY")
    page.locator(".insight-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"country=MY"))
    expect(page.locator("#id_country")).to_have_value("MY")


def test_a_printed_dashboard_keeps_its_figures_and_drops_its_filters(reader, users, returns):
    sam = reader(users["sam"])
    page = sam.open(reverse("insights:dashboard", args=["returns"]) + "?gender=Feminine")
    expect(page.locator(".print-only")).to_be_hidden()
    page.emulate_media(media="print")
    for hidden in (".insight-filters", ".insights-nav", "header.top", "button[data-print]", ".figure a[download]"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator(".print-only")).to_be_visible()
    expect(page.locator(".print-only")).to_contain_text("Gender")  # the filters read on paper
    figures = page.locator("section.figure")
    assert figures.count() >= 3
    for i in range(figures.count()):
        figure = figures.nth(i)
        expect(figure.locator("table")).to_be_visible()
        assert figure.evaluate("(e) => getComputedStyle(e).breakInside") == "avoid"
    charts = page.locator("section.figure svg.pygal-chart")
    expect(charts.first).to_be_visible()
    width = page.evaluate("window.innerWidth")
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    # Chromium prints it to PDF: the figures are on paper.
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_the_print_button_prints_the_page(reader, users, returns):
    sam = reader(users["sam"])
    sam.context.add_init_script(STUB_PRINT)
    page = sam.open(reverse("insights:dashboard", args=["returns"]))
    page.locator("button[data-print]").click()
    assert page.evaluate("window.__printed") == 1


@pytest.fixture
def demo(transactional_db, settings) -> None:
    # Argon2 is slow on purpose; hashing the demo's passwords is not what this test is about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", password="an-insights-password", cases=60, stdout=io.StringIO())


def test_on_the_demo_every_dashboard_fits_a_phone_in_the_longest_language_and_keeps_the_csp(reader, demo):
    """The demo's many countries, areas and agencies, with the default k: long labels, suppressed cells."""
    for username, lang in (("analyst", "fil"), ("somchai", "th")):
        user = User.objects.get(username=username)
        assert user.role in ("me_analyst", "supervisor")
        phone = reader(user, viewport=PHONE, lang=lang)
        for path in [reverse("insights:index")] + [
            reverse("insights:dashboard", args=[n]) for n in dashboards_of(user)
        ]:
            page = phone.open(path)
            assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), f"{username} {path}"
