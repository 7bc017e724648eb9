"""No page scrolls sideways on a phone (360 × 740 px): every page of the site, opened by each role
in English and in Filipino (whose words run longest), on the demo. Tables turn into cards or
scroll inside their own box; the header folds its navigation behind "Menu" and stays short. The
widest table, coverage by service category, also keeps to a laptop's width (1280 px).

One test walks the whole matrix on one demo load (a live server's test empties the database when
it ends), and reports every page that fails, not only the first.
"""

import io
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from playwright.sync_api import Browser, Page, expect

from reintegra.accounts.models import User
from reintegra.cases.models import Case
from reintegra.livelihoods.models import Enrolment, Opportunity
from reintegra.network.models import Service
from reintegra.plans.models import Assessment
from reintegra.referrals.models import Referral

from ..conftest import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}
HEADER_MAX_PX = 100
DEMO_CASES = 40

# The demo's people, one per role: a Thai agency's in English, a Philippine one's in Filipino
# (there is one analyst, in Thailand, and one coordinator, in the Philippines).
READERS = {
    "en": ("malee", "somchai", "anan", "analyst", "coordinator"),
    "fil": ("maria", "jose", "liza", "analyst", "coordinator"),
}
# Pages every account opens (a role that does not use one is shown the 403 page, which must fit too).
PAGES = (
    "/",
    "/account/preferences/",
    "/cases/",
    "/cases/new/",
    "/cases/tasks/",
    "/cases/tasks/?agency=1",
    "/cases/tasks/?due=later&agency=1",
    "/referrals/",
    "/referrals/?direction=outgoing",
    "/livelihoods/enrolments/",
    "/livelihoods/options/",
    "/livelihoods/options/new/",
    "/livelihoods/labour-market/",
    "/livelihoods/audit/",
    "/livelihoods/prediction/",
    "/livelihoods/allocation/",
    "/network/",
    "/network/coverage/?country=TH",
    "/network/coverage/?country=TH&dimension=category",
    "/network/coverage/?country=PH&dimension=category",
    "/staff/",
    "/cases/XX-0000-NONE/",  # the 404 page
)
# What the scroll width is measured with, and what sticks out when it is too wide.
MEASURE = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest(".table-scroll"))
    .slice(0, 3)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`);
  const header = document.querySelector("header.top");  // the printable plan has none
  return {scroll: document.documentElement.scrollWidth, width, wide,
          header: header ? header.getBoundingClientRect().height : 0};
}"""


@dataclass(frozen=True)
class Visit:
    reader: str
    lang: str
    url: str
    status: int
    scroll: int
    width: int
    header: float
    wide: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.reader} ({self.lang}) {self.url}: {self.status}, {self.scroll} px wide in {self.width} px, "
            f"header {self.header:.0f} px; sticking out: {', '.join(self.wide) or '—'}"
        )


def own_pages(user: User) -> list[str]:
    """The pages of the records a reader works on: their agency's busiest case, with its plan, an
    assessment, its livelihood page and an enrolment; a referral to or from their agency; their
    agency's page, a service and an option (a provider reaches the case through the referral)."""
    agency = user.agency
    assert agency is not None
    pages = [f"/network/agencies/{agency.slug}/"]
    service = Service.objects.filter(agency=agency).first() or Service.objects.order_by("pk").first()
    pages.append(f"/network/services/{service.pk}/")
    referral = Referral.objects.filter(to_agency=agency).order_by("pk").first()
    referral = referral or Referral.objects.filter(from_agency=agency).order_by("pk").first()
    case = Case.objects.filter(agency=agency).annotate(n=Count("events")).order_by("-n", "pk").first()
    if referral is not None:
        pages.append(f"/referrals/{referral.pk}/")
        case = case or referral.case
    if case is not None:
        base = f"/cases/{case.code}"
        pages += [
            f"{base}/",
            f"{base}/edit/",
            f"{base}/plan/",
            f"{base}/plan/print/",
            f"/livelihoods/case/{case.code}/",
        ]
        assessment = Assessment.objects.filter(case=case, done_on__isnull=False).first()
        assessment = assessment or Assessment.objects.filter(case=case).first()
        if assessment is not None:
            pages.append(f"{base}/plan/assessments/{assessment.pk}/")
    enrolments = Enrolment.objects.annotate(n=Count("follow_ups")).order_by("-n", "pk")
    enrolment = (
        enrolments.filter(case__agency=agency).first() or enrolments.filter(opportunity__provider=agency).first()
    )
    if enrolment is not None:
        pages.append(f"/livelihoods/enrolments/{enrolment.pk}/")
    option = Opportunity.objects.filter(provider=agency).order_by("pk").first()
    if option is not None:
        pages.append(f"/livelihoods/options/{option.pk}/")
    return pages


def signed_in(browser: Browser, base: str, user: User | None, lang: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(locale="en-GB", viewport=viewport)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}]
    if user is not None:
        client = client_for(user)  # with the second factor settled for the roles that require it
        cookies.append(
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        )
    context.add_cookies(cookies)
    return context.new_page()


def visit(page: Page, base: str, reader: str, lang: str, url: str) -> Visit:
    response = page.goto(base + url)
    measured = page.evaluate(MEASURE)
    return Visit(
        reader=reader,
        lang=lang,
        url=url,
        status=response.status if response else 0,
        scroll=measured["scroll"],
        width=measured["width"],
        header=measured["header"],
        wide=tuple(measured["wide"]),
    )


@pytest.fixture
def demo(transactional_db, settings) -> None:
    # Argon2 is slow on purpose; hashing the demo's passwords is not what this test is about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", password="a-phone-width-password", cases=DEMO_CASES, stdout=io.StringIO())


def test_no_page_scrolls_sideways_at_360_px_for_any_role_in_english_or_filipino(browser, live_server, demo):
    base = live_server.url
    visits: list[Visit] = []
    for lang, readers in READERS.items():
        page = signed_in(browser, base, None, lang, PHONE)
        visits.append(visit(page, base, "anonymous", lang, "/login/"))
        page.context.close()
        for username in readers:
            user = User.objects.get(username=username)
            page = signed_in(browser, base, user, lang, PHONE)
            for url in (*PAGES, *own_pages(user)):
                visits.append(visit(page, base, username, lang, url))
            page.context.close()

    assert len(visits) > 250
    assert not [str(v) for v in visits if v.status not in (200, 403, 404)], "a page failed"
    # The pages were the real ones: each reader's own records opened, and what is not theirs refused.
    for v in visits:
        if v.reader in ("malee", "somchai", "maria", "jose") and v.url.startswith(("/cases/", "/livelihoods/case/")):
            assert v.status == (404 if "NONE" in v.url else 200), str(v)
    assert {v.status for v in visits if v.reader == "analyst" and v.url == "/cases/"} == {403}
    too_wide = [str(v) for v in visits if v.scroll > v.width]
    assert too_wide == [], "pages scroll sideways at 360 px:\n" + "\n".join(too_wide)
    too_tall = [str(v) for v in visits if v.header > HEADER_MAX_PX]
    assert too_tall == [], f"the header takes more than {HEADER_MAX_PX} px:\n" + "\n".join(too_tall)


def test_the_menu_opens_on_a_phone_and_the_widest_table_scrolls_in_its_box_on_a_laptop(browser, live_server, demo):
    base = live_server.url
    coordinator = User.objects.get(username="coordinator")

    page = signed_in(browser, base, coordinator, "fil", PHONE)
    page.goto(f"{base}/network/")
    nav = page.locator("header nav")
    expect(nav).to_be_hidden()
    page.locator("header details.menu > summary").click()
    expect(nav.locator("a").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.context.close()

    page = signed_in(browser, base, coordinator, "en", LAPTOP)
    page.goto(f"{base}/network/coverage/?country=PH&dimension=category")
    expect(page.locator("header nav a").first).to_be_visible()  # no "Menu" on a laptop
    expect(page.locator("header details.menu > summary")).to_be_hidden()
    box = page.locator(".table-scroll")
    sizes = box.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1], "the table is wider than its box, and scrolls inside it"
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    area = page.locator("table.coverage tbody th[scope=row]").first
    left = area.evaluate("(e) => e.getBoundingClientRect().left")
    box.evaluate("(e) => { e.scrollLeft = 600; }")
    assert area.evaluate("(e) => e.getBoundingClientRect().left") == left, "the first column stays in view"
    page.context.close()
