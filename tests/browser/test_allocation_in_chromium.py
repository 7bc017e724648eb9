"""A supervisor's cohort round at phone width, in Chromium: the people still looking are ticked, the
others wait behind "Show everyone"; the preview, the confirmation with its numbers and the round's
page fit 360 px and pass axe-core, and so does this week's decision, where those just assessed wait
for the course's next round; one offer is withdrawn with a reason."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.lib import clock
from reintegra.livelihoods import enrolments, services, skills
from reintegra.livelihoods.models import Enrolment

from ..cases.conftest import IDENTITY
from ..conftest import make_user
from ..livelihoods.conftest import WELDING
from . import a11y
from .signin import second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-browser-password"


def fits_and_passes(page, axe_core):
    assert a11y.sideways_overflow(page) is None, a11y.sideways_overflow(page)
    serious = [v for v in a11y.axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert not serious, a11y.describe_violations(serious)


def test_a_cohort_round_at_phone_width(live_server, browser, network, axe_core):
    make_user("sara", network.alpha, "supervisor", password=PASSWORD)
    kanya = make_user("kanya", network.alpha, "caseworker")
    # The course's next round starts in a month: this week's decision lets those just assessed wait.
    starts = clock.today() + datetime.timedelta(days=30)
    option = services.opportunity_save(actor=None, provider=network.trainer, **(WELDING | {"starts_on": starts}))
    people = []
    for k in range(3):
        case = case_services.case_open(actor=kanya, **(IDENTITY | {"given_name": f"Somsri{k}"}))
        access = case_get_for_user(kanya, code=case.code, for_edit=True)
        skills.profile_save(
            actor=kanya,
            access=access,
            experience=[{"isco": "74", "years": 3, "abroad": True}],
            aspirations=[{"isco": "74", "mode": "wage_job"}, {"isco": "75", "mode": "own_business"}],
            work_areas=["TH-57", "TH-50"],
            needs_income_now=True,
            income_needed_monthly=Decimal(9000),
            currency="THB",
        )
        people.append(case)
    busy = people[2]  # an option is already open for this person
    enrolments.enrolment_recommend(
        actor=kanya, access=case_get_for_user(kanya, code=busy.code, for_edit=True), opportunity=option
    )

    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "sara")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(f"{base}/login/")
    second_factor(page, base, "sara")  # a supervisor: set up at this first sign-in

    page.goto(f"{base}/livelihoods/allocation/")
    expect(page.locator(f"#person-{people[0].pk}")).to_be_checked()
    expect(page.locator(f"#person-{people[1].pk}")).to_be_checked()
    expect(page.locator(f"#person-{busy.pk}")).to_have_count(0)
    expect(page.locator(".people-pick").first).to_contain_text("Chiang Rai")
    page.click("#allocation-others summary")
    expect(page.locator("#allocation-others")).to_contain_text("Has an option open")
    fits_and_passes(page, axe_core)

    page.check("input[name=mode][value=week]")
    page.click("#allocation-form button[name=preview]")
    expect(page.locator("ul.waiting")).to_contain_text(people[0].code)
    expect(page.locator("#allocation-week-note")).to_contain_text("2 people can wait")
    fits_and_passes(page, axe_core)
    page.check("input[name=mode][value=optimal]")

    page.click("#allocation-form button[name=preview]")
    expect(page.locator("#allocation-pairs")).to_contain_text("in 10")
    expect(page.locator("#allocation-metrics")).to_contain_text("%")
    fits_and_passes(page, axe_core)
    assert not Enrolment.objects.filter(status="offered").exists()

    page.click("#allocation-next button.primary")
    expect(page.locator("#confirm-question")).to_have_text("Make 2 offers to 2 people across 1 option?")
    fits_and_passes(page, axe_core)
    page.click("#allocation-confirm button.primary")
    expect(page.locator(".messages")).to_contain_text("2 offers made")
    fits_and_passes(page, axe_core)
    assert Enrolment.objects.filter(status="offered").count() == 2

    first = page.locator(".round-offers li").first
    first.locator("summary").click()
    first.locator("textarea").fill("The course moved to another month.")
    first.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("1 offer withdrawn")
    assert Enrolment.objects.filter(status="withdrawn").count() == 1
    context.close()
