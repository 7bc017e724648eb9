"""The five journeys of the user guide (docs/user-guide.md), each by one role on the demo, in a real
Chromium: at a laptop's width (1280 px) and a phone's (360 px) in English, and once in Thai and once
in Filipino. Every page on the way is checked: no sideways scrolling, no serious or critical axe-core
violation, every control reached by Tab with a visible focus (journey.py, a11y.py).

`SAVE_SCREENSHOTS=1` photographs the key steps into docs/user-guide/<language>/ (English at
1280 px; Thai and Filipino at the width they run at).

On PostgreSQL each journey runs once (English, 1280 px): the full matrix runs on SQLite, where CI
runs it too, so CI's time stays low.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Browser, expect

from reintegra.access import case_get_for_user
from reintegra.accounts.models import User
from reintegra.cases import services as case_services
from reintegra.cases.models import Case
from reintegra.lib import geo
from reintegra.livelihoods import skills
from reintegra.livelihoods.models import Enrolment
from reintegra.network.models import Agency
from reintegra.plans import services as plan_services
from reintegra.referrals import services as referral_services
from reintegra.referrals.models import Referral

from .journey import BROWSER_LOCALES, LAPTOP, PASSWORD, PHONE, Journey

# The smoke subset of the browser tests, on CI's second database too (tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

DEMO_CASES = 20


def runs(*, th: int, fil: int) -> pytest.MarkDecorator:
    """English at both widths; Thai and Filipino once each, at the widths given."""
    matrix = [("en", LAPTOP), ("en", PHONE), ("th", th), ("fil", fil)]
    return pytest.mark.parametrize(("lang", "width"), matrix, ids=[f"{lang}-{width}px" for lang, width in matrix])


@pytest.fixture
def demo(lang, width, axe_core, transactional_db, settings) -> None:
    """The demo, with a small number of cases; loaded after axe-core is known to be there."""
    if connection.vendor != "sqlite" and (lang, width) != ("en", LAPTOP):
        pytest.skip("on PostgreSQL each journey runs once (en, 1280 px); the full matrix runs on SQLite")
    # Argon2 is slow on purpose; hashing the demo's eleven passwords for every journey is not the point.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", password=PASSWORD, cases=DEMO_CASES, stdout=io.StringIO())


@pytest.fixture
def journey(request, browser: Browser, live_server, demo, lang, width) -> Iterator[Journey]:
    context = browser.new_context(
        locale=BROWSER_LOCALES[lang],
        viewport={"width": width, "height": 800 if width == LAPTOP else 740},
        accept_downloads=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    name = request.node.originalname.removeprefix("test_").split("_")[0]
    yield Journey(page=page, base=live_server.url, lang=lang, width=width, name=name)
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def clock_today(days: int = 0) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# --- 1. The caseworker -----------------------------------------------------------------------------


@runs(th=PHONE, fil=LAPTOP)
def test_caseworker_opens_a_case_records_the_story_and_consent_plans_with_the_returnee_and_refers(journey: Journey):
    j, page = journey, journey.page
    own = Agency.objects.get(slug="th-msdhs-chiangrai")
    shelter = Agency.objects.get(slug="th-ngo-mekong-home")
    trainer = Agency.objects.get(slug="th-dsd-chiangrai")
    # Kanokwan gives the phone number she shares with her sister, who has a case at the agency already.
    sister = next(c for c in Case.objects.filter(agency=own).select_related("returnee") if c.returnee.phones)

    j.log_in("malee")
    expect(j.heading("Today")).to_be_visible()
    j.check("today", key=True)

    # Intake, with the duplicate check.
    j.nav("Cases")
    j.link("New case").click()
    expect(j.heading("New case")).to_be_visible()
    j.label("Given name").fill("Kanokwan")
    j.label("Family name").fill("Thongdee")
    j.label("Birth date").fill("1997-02-11")
    j.label("Gender").select_option("Feminine")
    j.label("Phone numbers").fill(sister.returnee.phones[0])
    j.main.get_by_role("checkbox", name=j.named(geo.country_name, "TH"), exact=True).check()
    j.label("Stage").select_option("shelter_assistance")
    j.check("intake", shot=True)
    j.button("Open the case").click()
    warning = j.main.get_by_role("alert").filter(has_text=j.t("This person may already have a case."))
    expect(warning).to_contain_text(sister.code)
    j.check("duplicate", shot=True, key=True)
    # A different person (her sister): the caseworker opens the case anyway.
    j.button("Open a new case anyway").click()
    expect(j.main.locator("h1 code")).to_be_visible()
    code = j.main.locator("h1 code").inner_text()
    assert code != sister.code
    j.check("case", shot=True)

    # History and return.
    history = j.disclose("Add recruitment, transit or exploitation")
    j.in_(history, "Type").select_option("Exploitation")
    j.in_(history, "Country").select_option("MY")
    j.in_(history, "Area or city").fill("Johor Bahru")
    history.get_by_role("checkbox", name=j.t("Forced labour"), exact=True).check()
    history.get_by_role("checkbox", name=j.t("Debt bondage"), exact=True).check()
    j.in_(history, "Duration (months)").fill("14")
    history.get_by_role("button", name=j.exact("Save")).click()
    expect(j.main).to_contain_text(j.t("Forced labour"))

    journey_home = j.disclose("Record the return")
    j.in_(journey_home, "Returned from").select_option("MY")
    j.in_(journey_home, "Date of return").fill(str(clock_today(-20)))
    j.in_(journey_home, "Type of return").select_option("assisted_voluntary")
    j.in_(journey_home, "Point of arrival").fill("Mae Sai checkpoint")
    journey_home.get_by_role("button", name=j.exact("Save")).click()
    expect(j.main).to_contain_text("Mae Sai checkpoint")

    # Consent: to share what each agency needs, and nothing more.
    for agency, categories in ((shelter, ("profile", "history", "return")), (trainer, ("profile", "livelihood"))):
        consent = j.disclose("Record consent")
        j.in_(consent, "Purpose").select_option("sharing")
        j.in_(consent, "Shared with agency").select_option(str(agency.pk))
        for category in categories:
            consent.locator(f"input[name=categories][value={category}]").check()
        j.in_(consent, "Language used").select_option("th")
        consent.get_by_role("button", name=j.exact("Record consent")).click()
        j.saved("Consent recorded.")
    j.check("consent", shot=True, at=j.heading("Consent"))

    # The returnee's priorities, in her words; then the plan.
    j.link("Priorities and plan").click()
    expect(j.heading("Reintegration plan")).to_be_visible()
    ranking = j.disclose("Record the returnee's priorities")
    j.in_(ranking, "When").select_option("intake")
    j.in_(ranking, "In the returnee's own words: what matters most now?").fill(
        "To earn money for my son and to pay back what I owe the broker."
    )
    for rank, (priority, words) in enumerate(
        (("income", "A steady job near home"), ("debt", "Pay back the broker"), ("housing", "A safe room for now")), 1
    ):
        ranking.locator(f"select[name=rank_{rank}]").select_option(priority)
        ranking.locator(f"input[name=words_{rank}]").fill(words)
    j.check("priorities", shot=True)
    ranking.get_by_role("button", name=j.exact("Save the ranking")).click()
    expect(j.main.locator(".priorities")).to_contain_text("A steady job near home")

    j.button("Start the plan").click()
    for domain, goal, serves in (
        ("economic", "Earn a steady income as a cook", "income"),
        ("social", "A safe place to stay until she can go home", "housing"),
    ):
        form = j.disclose("Add a goal")
        j.in_(form, "Domain").select_option(domain)
        j.in_(form, "Goal").fill(goal)
        form.locator(f"input[name=priorities][value={serves}]").check()
        form.get_by_role("button", name=j.exact("Add")).click()
        expect(j.main.locator(".goal h3", has_text=goal)).to_be_visible()
    j.check("plan")

    # Referrals: to a shelter and to a training provider, each under its consent.
    for agency, service in ((shelter, "Transit shelter for returnees"), (trainer, "Cooking course")):
        page.goto(f"{j.base}/cases/{code}/")
        form = j.disclose("Refer to another agency")
        j.in_(form, "To agency").select_option(str(agency.pk))
        j.in_(form, "Service").select_option(label=service)
        form.locator("input[name=reasons][value=AdditionalServicesRequired]").check()
        j.in_(form, "Urgency").select_option("priority")
        form.locator("input[name=categories][value=profile]").check()
        if agency == shelter:
            j.check("referral", shot=True, at=form)
        form.get_by_role("button", name=j.exact("Send the referral")).click()
        j.saved("Referral sent to %(agency)s.", agency=agency.name_for(j.lang))
    j.check("referral-sent")

    # Plan progress: each action follows what it is linked to.
    page.goto(f"{j.base}/cases/{code}/plan/")
    for goal, action, agency, referral_to in (
        ("Earn a steady income as a cook", "Cooking course", trainer, trainer),
        ("A safe place to stay until she can go home", "Transit shelter", shelter, shelter),
        ("A safe place to stay until she can go home", "Visit her mother with her", own, None),
    ):
        block = j.main.locator(".goal", has=page.locator("h3", has_text=goal))
        details = block.locator("details", has=page.locator("summary", has_text=j.t("Add an action")))
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        j.in_(details, "Kind").select_option("referral" if referral_to is not None else "service")
        j.in_(details, "Action").fill(action)
        j.in_(details, "Responsible agency").select_option(str(agency.pk))
        if referral_to is not None:
            referral = Referral.objects.get(case__code=code, to_agency=referral_to)
            j.in_(details, "Linked referral").select_option(str(referral.pk))
        details.get_by_role("button", name=j.exact("Add")).click()
        expect(j.main).to_contain_text(action)
    visit = j.main.locator("li", has_text="Visit her mother with her")
    visit.get_by_role("button", name=j.exact("Done")).click()
    expect(j.main.locator("li", has_text="Visit her mother with her")).to_contain_text(j.t("done"))
    expect(j.main.locator("li", has_text="Cooking course")).to_contain_text(j.t("waiting for an answer"))
    details = j.disclose("Participation, agreement and language")
    details.get_by_role("checkbox", name=j.t("The returnee took part in making the plan")).check()
    j.in_(details, "The returnee agreed to it on").fill(str(clock_today()))
    details.get_by_role("button", name=j.exact("Save")).click()
    j.button("Submit for approval").click()
    j.saved("Plan submitted for approval.")
    j.check("plan-progress", shot=True, key=True, at=j.heading("Goals and actions"))
    j.finish()


# --- 2. The provider's staff ----------------------------------------------------------------------


def referred_for_training() -> Referral:
    """Nittaya came home from Malaysia eight months ago. Four months ago her caseworker, Malee of
    Chiang Rai, referred her to the skills centre for its cooking course, under her consent; the
    centre has not answered in the system yet."""
    malee = User.objects.get(username="malee")
    trainer = Agency.objects.get(slug="th-dsd-chiangrai")
    case = case_services.case_open(
        actor=malee,
        given_name="Nittaya",
        family_name="Kongkaew",
        birth_date=datetime.date(1993, 8, 19),
        gender="Feminine",
        citizenships=["TH"],
        languages=["th"],
        stage="reintegration",
    )
    case_services.return_record(
        actor=malee, case=case, country_from="MY", returned_on=clock_today(-240), return_type="assisted_voluntary"
    )
    case_services.consent_record(
        actor=malee,
        case=case,
        purpose="sharing",
        given_on=clock_today(-125),
        language="th",
        recipient_agency=trainer,
        categories=["profile", "livelihood"],
    )
    referral = referral_services.referral_send(
        actor=malee,
        access=case_get_for_user(malee, code=case.code, for_edit=True),
        to_agency=trainer,
        service=trainer.services.get(name="Cooking course"),
        reasons=["AdditionalServicesRequired"],
        categories=["profile", "livelihood"],
    )
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - datetime.timedelta(days=125))
    return referral


@runs(th=LAPTOP, fil=PHONE)
def test_provider_accepts_a_referral_enrols_the_person_records_completion_placement_and_income(journey: Journey):
    j, page = journey, journey.page
    referral = referred_for_training()
    code = referral.case.code

    j.log_in("anan")
    inbox = j.main.locator("#inbox")
    expect(inbox).to_contain_text(code)
    j.check("inbox", shot=True, key=True)
    inbox.get_by_role("link", name=re.compile(re.escape(code))).click()
    expect(page.locator("#referral-status")).to_have_text(j.t("Pending"))
    j.check("referral", shot=True)
    j.button("Accept").click()
    expect(page.locator("#referral-status")).to_have_text(j.t("Accepted"))

    # The provider enrols the person on its own option, on the day the course started.
    enrol = j.disclose("Record where the person stands on one of your options…")
    j.in_(enrol, "Option").select_option(label="Cooking course")
    j.in_(enrol, "Where the person stands").select_option("enrolled")
    j.in_(enrol, "On").fill(str(clock_today(-120)))
    j.check("enrol", shot=True, at=enrol)
    enrol.get_by_role("button", name=j.exact("Record")).click()
    expect(j.heading("Cooking course")).to_be_visible()
    expect(j.main).to_contain_text(j.t("Status") + ": " + j.t("Enrolled"))

    # Completion, on the last day of the course.
    move = page.locator("#move-form")
    j.in_(move, "New status").select_option("completed")
    j.in_(move, "On").fill(str(clock_today(-100)))
    move.get_by_role("button", name=j.exact("Record")).click()
    expect(j.main).to_contain_text(j.t("Status") + ": " + j.t("Completed"))
    j.check("completed", shot=True)

    # The placement: a cook's job two days later.
    placement = j.disclose("Record the placement")
    j.in_(placement, "kind").select_option("job")
    j.in_(placement, "employer or business name").fill("Rim Kok Riverside Restaurant")
    j.in_(placement, "started on").fill(str(clock_today(-98)))
    j.in_(placement, "Occupation group (ISCO-08)").select_option("51")
    j.in_(placement, "monthly income").fill("9000")
    placement.get_by_role("button", name=j.exact("Save")).click()
    expect(j.main.locator("#placement")).to_contain_text("Rim Kok Riverside Restaurant")

    # Three months on: the income follow-up.
    follow_ups = j.main.locator("#follow-ups")
    row = follow_ups.locator("tr", has_text=j.tn("%(counter)s month", "%(counter)s months", 3))
    row.locator("summary", has_text=j.exact("Record")).click()
    j.in_(row, "done on").fill(str(clock_today()))
    j.in_(row, "work").select_option("employed")
    j.in_(row, "monthly income").fill("9500")
    row.get_by_role("button", name=j.exact("Save")).click()
    row = j.main.locator("#follow-ups tr", has_text=j.tn("%(counter)s month", "%(counter)s months", 3))
    expect(row).to_contain_text("9,500")
    # On a laptop the picture shows the placement above the follow-ups; on a phone, the row itself.
    j.check("follow-up", shot=True, key=True, at=row if j.width == PHONE else j.main.locator("#placement"))
    j.finish()


# --- 3. The supervisor ------------------------------------------------------------------------------


COHORT = [  # given name, gender, the work they wish for (ISCO-08), need an income now
    ("Achara", "Feminine", "51", True),
    ("Boonmee", "Masculine", "74", True),
    ("Chanida", "Feminine", "42", False),
    ("Daeng", "Masculine", "51", True),
    ("Ehm", "Feminine", "75", True),
    ("Fah", "Feminine", "42", True),
    ("Kiet", "Masculine", "74", False),
    ("Lamai", "Feminine", "51", False),
]


def cohort_looking_for_work() -> list[Case]:
    """Eight returnees of Chiang Rai whose skills profiles Malee filled in with them this month."""
    malee = User.objects.get(username="malee")
    cases = []
    for k, (name, gender, wish, needs_income) in enumerate(COHORT):
        case = case_services.case_open(
            actor=malee,
            given_name=name,
            family_name="Saelee",
            birth_date=datetime.date(1990 + k, 3, 1 + k),
            gender=gender,
            citizenships=["TH"],
            languages=["th"],
            stage="reintegration",
        )
        skills.profile_save(
            actor=malee,
            access=case_get_for_user(malee, code=case.code, for_edit=True),
            experience=[{"isco": wish, "years": 2, "abroad": True}],
            aspirations=[{"isco": wish, "mode": "wage_job"}],
            work_areas=["TH-57"],
            needs_income_now=needs_income,
            income_needed_monthly=Decimal(8000) if needs_income else None,
            currency="THB",
        )
        cases.append(case)
    return cases


def plan_submitted_by_malee(case: Case) -> None:
    malee = User.objects.get(username="malee")
    plan = plan_services.plan_start(actor=malee, case=case, language="th")
    plan_services.goal_add(
        actor=malee, plan=plan, domain="economic", description="A job in a hotel in Chiang Rai", priorities=["income"]
    )
    plan.refresh_from_db()
    plan = plan_services.plan_update(
        actor=malee, plan=plan, version=plan.version, returnee_took_part=True, returnee_agreed_on=clock_today(-1)
    )
    plan_services.plan_move(actor=malee, plan=plan, move="submit")


def closure_requested_by_malee() -> Case:
    malee = User.objects.get(username="malee")
    case = (
        Case.objects.filter(agency=malee.agency, closure_requested_at__isnull=True)
        .exclude(stage="closed")
        .order_by("code")
        .first()
    )
    assert case is not None
    return case_services.closure_move(
        actor=malee, case=case, move="request", reason="Working for a year now; she asked to end the follow-up."
    )


@runs(th=PHONE, fil=LAPTOP)
def test_supervisor_approves_a_plan_allocates_a_cohort_with_a_womens_band_and_decides_a_closure(journey: Journey):
    j, page = journey, journey.page
    closing = closure_requested_by_malee()
    cohort = cohort_looking_for_work()
    planned = cohort[2]
    plan_submitted_by_malee(planned)

    j.log_in("somchai")
    queues = j.main.locator("#queues")
    expect(queues).to_contain_text(planned.code)
    expect(queues).to_contain_text(closing.code)
    j.check("queues", shot=True, key=True)

    # Plan approval, from the queue.
    queues.get_by_role("link", name=re.compile(re.escape(planned.code))).first.click()
    expect(j.heading("Reintegration plan")).to_be_visible()
    expect(j.main).to_contain_text("A job in a hotel in Chiang Rai")
    j.check("plan", shot=True)
    j.button("Approve the plan").click()
    j.saved("Plan approved.")

    # Cohort allocation with a band for the share of women in each option.
    j.nav("Enrolments")
    j.link("Cohort allocation").click()
    expect(j.heading("Cohort allocation")).to_be_visible()
    j.label("Women: at least this share of each option (per cent)").fill("30")
    j.label("Women: at most this share of each option (per cent)").fill("70")
    j.label("Apply the share to options with at least this many people").fill("2")
    j.check("allocation", shot=True)
    j.button("Preview").click()
    expect(j.main.locator("#allocation-metrics")).to_be_visible()
    # The modes side by side and the price of wishes, drawn on the server (issue 17).
    expect(j.main.locator("#allocation-metrics thead th")).to_have_count(4)  # optimal, stable, greedy
    expect(j.main.locator("#allocation-curve svg")).to_be_visible()
    pairs = j.main.locator("#allocation-pairs .proposed li").filter(has_text="→")
    expect(pairs.first).to_be_visible()
    offers = pairs.count()
    j.check("allocation-preview", shot=True, key=True, at=j.main.locator("#allocation-metrics"))
    j.button("Continue to confirm the offers").click()
    expect(j.heading("Confirm the offers")).to_be_visible()
    j.check("allocation-confirm", shot=True)
    j.button("Make the offers").click()
    expect(page.locator(".messages")).to_contain_text(str(offers))
    # Exactly the offers previewed, each an offer (not an enrolment), and the band kept in every
    # option with at least two people.
    made = list(Enrolment.objects.filter(allocation_round__agency__slug="th-msdhs-chiangrai").select_related("case"))
    assert len(made) == offers and {e.status for e in made} == {"offered"}
    per_option: dict[int, list[bool]] = {}
    for enrolment in made:
        per_option.setdefault(enrolment.opportunity_id, []).append(enrolment.case.returnee.gender == "Feminine")
    banded = [w for w in per_option.values() if len(w) >= 2]
    assert banded, per_option
    for women in banded:
        assert 0.3 <= sum(women) / len(women) <= 0.7, per_option

    # The closure decision.
    j.go("/")
    j.main.locator("#queues").get_by_role("link", name=re.compile(re.escape(closing.code))).click()
    expect(j.main).to_contain_text(j.t("Closure requested; waiting for a supervisor."))
    j.check("closure", shot=True, at=j.button("Approve closure"))
    j.button("Approve closure").click()
    expect(j.main.locator("h1")).to_contain_text(j.pt("case stage", "Closed"))
    j.finish()


# --- 4. The M&E analyst ----------------------------------------------------------------------------


@runs(th=LAPTOP, fil=PHONE)
def test_analyst_reads_the_programme_audit_downloads_its_figures_and_never_reaches_a_person(journey: Journey):
    j, page = journey, journey.page
    j.log_in("analyst")
    expect(j.heading("Welcome, %(name)s", name="Ratana Chaiyaporn")).to_be_visible()
    # The overview: the programme's figures and the network, no case work.
    nav = page.get_by_role("navigation", name=j.t("Main"))
    for work in ("Cases", "Referrals", "Enrolments"):
        expect(nav.get_by_role("link", name=j.exact(work))).to_have_count(0)
    j.check("overview", key=True)

    j.main.get_by_role("link", name=j.exact("Programme audit")).click()
    expect(j.heading("Programme audit")).to_be_visible()
    expect(j.main).to_contain_text(
        j.t("What the programme offers and what it leads to. Counts only: no person is shown.")
    )
    j.check("audit", key=True)

    with page.expect_download() as download:
        j.link("Download CSV").click()
    assert download.value.suggested_filename == "programme-audit.csv"
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {"scope", "indicator", "value", "flag", "suppressed"} <= set(rows[0])
    # The scorecard the page shows, with the same flags; figures only: no case code, no name, no reason.
    # (The returnees' feedback follows the indicators in the same file: rows of their own.)
    total = [r for r in rows if r["scope"] == "all" and r["failure"] != "feedback"]
    expect(j.main.locator("li.indicator")).to_have_count(len(total))
    expect(j.main.locator("li.indicator .flag-raised")).to_have_count(sum(r["flag"] == "yes" for r in total))
    assert any(r["scope"].startswith("provider:") for r in rows)
    assert not re.search(r"\b[A-Z]{2}-\d{4}-\d+\b", text), "a case code in the audit's CSV"

    # No way to personal data: not in the navigation, and the case pages explain themselves.
    for path in ("/cases/", "/referrals/"):
        response = page.goto(j.base + path)
        assert response is not None and response.status == 403, path
        expect(j.heading("This page is not part of your work")).to_be_visible()
    j.check("no-personal-data", shot=True)
    j.link("Go to your home page").click()
    expect(page).to_have_url(f"{j.base}/")
    # A case's own address, known from elsewhere, opens nothing either; the API lists no case.
    case = Case.objects.select_related("returnee").first()
    assert case is not None
    response = page.goto(f"{j.base}/cases/{case.code}/")
    assert response is not None and response.status in (403, 404)
    expect(j.main).not_to_contain_text(case.returnee.given_name)
    j.check("case-address")
    api = page.request.get(f"{j.base}/api/v1/cases/")
    assert api.status == 200 and api.json()["count"] == 0
    j.finish()


# --- 5. The network coordinator --------------------------------------------------------------------

GAP_AREA = "TH-52"  # Lampang: nobody offers reintegration assistance there in the demo network


@runs(th=PHONE, fil=LAPTOP)
def test_coordinator_adds_an_agency_and_a_service_and_the_gap_closes_on_the_map(journey: Journey):
    j, page = journey, journey.page
    area = j.named(geo.area_name, GAP_AREA)
    thailand = j.named(geo.country_name, "TH")
    j.log_in("coordinator")
    j.check("overview")

    j.main.get_by_role("link", name=j.exact("Coverage map")).click()
    expect(j.heading("Coverage map")).to_be_visible()
    j.label("Country").select_option(label=thailand)
    summary = j.main.locator(".summary")
    expect(summary).to_contain_text(re.compile(r"\d+"))
    gaps, cells = (int(n) for n in re.findall(r"\d+", summary.inner_text())[:2])
    cell = reintegration_cell(j, area)
    expect(cell).to_have_class(re.compile(r"\bgap\b"))
    j.check("gap", key=True, at=cell)

    j.go("/")
    j.main.get_by_role("link", name=j.exact("Add an agency")).click()
    expect(j.heading("Add an agency")).to_be_visible()
    j.label("name (English)").fill("Lampang Women's Livelihood Foundation")
    j.label("name (local script)").fill("มูลนิธิอาชีพสตรีลำปาง")
    j.label("type").select_option("NGO")
    j.label("Country").select_option(label=thailand)
    # Choosing the country brings its areas; typing part of a name finds one.
    areas = j.main.get_by_role("group", name=j.exact("Areas served"))
    areas.get_by_role("searchbox").fill(area[:4])
    areas.get_by_role("checkbox", name=area, exact=True).check()
    page.get_by_role("checkbox", name=j.t("Thai"), exact=True).check()
    j.check("add-agency", shot=True)
    j.button("Save").click()
    j.saved("Agency added.")
    expect(j.main.get_by_role("heading", level=1)).to_contain_text("Lampang Women's Livelihood Foundation")

    j.link("Add a service").click()
    expect(j.heading("Add a service")).to_be_visible()
    j.label("name (English)").fill("Sewing and tailoring course with job placement")
    j.label("stage").select_option("reintegration")
    j.label("category").select_option("vocational_training")
    j.label("capacity").fill("15")
    j.check("add-service", shot=True)
    j.button("Save").click()
    expect(j.main).to_contain_text("Sewing and tailoring course with job placement")
    j.check("agency")

    j.nav("Coverage map")
    j.label("Country").select_option(label=thailand)
    expect(reintegration_cell(j, area)).not_to_have_class(re.compile(r"\bgap\b"))
    expect(reintegration_cell(j, area)).to_have_text("1")
    one_gap_less = j.tn(
        "%(counter)s gap among %(cells)s cells.", "%(counter)s gaps among %(cells)s cells.", gaps - 1, cells=cells
    )
    expect(summary).to_contain_text(one_gap_less)
    j.check("gap-closed", key=True, at=reintegration_cell(j, area))
    j.finish()


def reintegration_cell(j: Journey, area: str):
    """The cell of an area's row under the Reintegration assistance column of the coverage map."""
    table = j.main.locator("table.coverage")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    column = headers.index(j.t("Reintegration assistance"))
    row = table.locator("tr", has=j.page.get_by_role("rowheader", name=area, exact=True))
    return row.locator("th, td").nth(column)
