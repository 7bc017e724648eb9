"""The Voice of returnees dashboard (issue 13): priorities as ranked, economic support within 90 days
of return, days to a first income and the priority gap, counted by hand on people built for it;
suppression under k; the page, a figure's CSV, the API and who may read them."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reintegra.insights import voice
from reintegra.insights.filters import Filters
from reintegra.livelihoods import services as livelihood_services
from reintegra.livelihoods.models import Enrolment, IncomeFollowUp, Placement, StipendPayment
from reintegra.plans import services as plan_services
from reintegra.plans.models import Action, Goal, Plan
from reintegra.referrals.models import Referral

from ..conftest import api_client_for, client_for
from .factory import returned

RETURN = datetime.date(2026, 3, 10)
SINCE = datetime.date(2026, 1, 1)
PERIOD = Filters(since=SINCE)


def day(n: int) -> datetime.date:
    return RETURN + datetime.timedelta(days=n)


def moment(n: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day(n), datetime.time(10, 0)))


class People:
    """Returnees of Alpha, with the records each needs written straight (the dashboard reads records,
    whichever way they were written)."""

    def __init__(self, users, network):
        self.users, self.network = users, network
        self.option = livelihood_services.opportunity_save(
            actor=users["cora"],
            provider=network.trainer,
            kind="paid_training",
            title="Electrician apprenticeship",
            isco="74",
            area="TH-57",
            duration_weeks=12,
            seats=40,
            stipend_monthly=Decimal(6000),
            currency="THB",
        )

    def person(self, ranking=(), *, gender="Feminine", returned_on=RETURN, **fields):
        case = returned(self.users["alice"], gender=gender, returned_on=returned_on, **fields)
        if ranking:
            plan_services.priorities_record(actor=self.users["alice"], case=case, ranking=ranking, context="intake")
        return case

    def enrol(self, case, *, on: int) -> Enrolment:
        return Enrolment.objects.create(
            case=case,
            agency_id=case.agency_id,
            opportunity=self.option,
            status="enrolled",
            recommended_by=self.users["alice"],
            recommended_on=day(on - 5),
            decided_on=day(on - 2),
            enrolled_on=day(on),
        )

    def stipend(self, enrolment, *, on: int) -> None:
        StipendPayment.objects.create(
            enrolment=enrolment, paid_on=day(on), amount=Decimal(6000), currency="THB", recorded_by=self.users["pat"]
        )

    def placement(self, enrolment, *, on: int) -> None:
        Placement.objects.create(
            enrolment=enrolment,
            kind="job",
            employer_name="A workshop",
            isco="74",
            started_on=day(on),
            recorded_by=self.users["pat"],
        )

    def referral(self, case, *, category: str, status: str, on: int) -> Referral:
        service = next(
            s
            for agency in (self.network.trainer, self.network.alpha)
            for s in agency.services.all()
            if s.category == category
        )
        return Referral.objects.create(
            case=case,
            from_agency=self.network.alpha,
            to_agency=service.agency,
            service=service,
            status=status,
            sent_by=self.users["alice"],
            sent_at=moment(on - 3),
            responded_at=moment(on),
        )

    def action_done(self, case, *, domain: str, priorities=(), on: int) -> None:
        plan, _new = Plan.objects.get_or_create(
            case=case, defaults={"author": self.users["alice"], "agency": case.agency}
        )
        goal = Goal.objects.create(plan=plan, domain=domain, description="A goal", priorities=list(priorities))
        Action.objects.create(
            goal=goal,
            kind="task",
            description="A step",
            responsible_agency=self.network.alpha,
            done_at=moment(on),
        )


def build(people: People, times: int = 2) -> None:
    """Six profiles, each `times` over (counted by hand in the tests below):

    A woman, ranks income, debt, physical health; enrolled on day 30, first stipend on day 40.
    B woman, ranks income, family, housing; enrolled on day 95, a job from day 100.
    C woman, ranks debt, income, legal; a referral to vocational training accepted on day 10.
    D man, ranks family, physical health, income; an economic plan action done on day 20.
    E man, ranks mental well-being, family, safety, income (income 4th); family tracing completed.
    F man, no ranking; enrolled on day 50, first stipend on day 70.
    """
    for _ in range(times):
        a = people.person(["income", "debt", "physical_health"])
        people.stipend(people.enrol(a, on=30), on=40)
        b = people.person(["income", "family", "housing"])
        people.placement(people.enrol(b, on=95), on=100)
        c = people.person(["debt", "income", "legal"])
        people.referral(c, category="vocational_training", status="accepted", on=10)
        d = people.person(["family", "physical_health", "income"], gender="Masculine")
        people.action_done(d, domain="economic", on=20)
        e = people.person(["mental_wellbeing", "family", "safety", "income"], gender="Masculine")
        people.referral(e, category="family_tracing", status="completed", on=15)
        f = people.person(gender="Masculine")
        people.stipend(people.enrol(f, on=50), on=70)


@pytest.fixture
def people(users, network):
    return People(users, network)


@pytest.fixture
def k2(settings):
    settings.INSIGHTS_MIN_CELL = 2


def values(figure):
    return {row.label: [None if c.suppressed else c.value for c in row.cells] for row in figure.table.rows}


def figure(key: str, filters: Filters = PERIOD):
    return next(f for f in voice.figures(filters) if f.key == key)


def test_the_headline_comes_first_with_its_chart(k2, people):
    build(people)
    figures = voice.figures(PERIOD)
    assert [f.key for f in figures][:2] == ["voice-income-support", "voice-first-income"]
    assert "<svg" in figures[0].chart and "90" in figures[0].chart


def test_income_in_the_top_three_against_support_within_90_days(k2, people):
    build(people)
    rows = values(figure("voice-income-support"))
    # returned, ranked, share ranking income top 3, share supported by day 90, of the top-3: supported
    assert rows["All returnees"] == [12, 10, 0.8, 0.6667, 0.75]
    assert rows["Woman"] == [6, 6, 1.0, 0.6667, 0.6667]
    assert rows["Man"] == [6, 4, 0.5, 0.6667, 1.0]


def test_support_after_day_90_or_declined_does_not_count(k2, people):
    for _ in range(2):
        late = people.person(["income"])
        people.enrol(late, on=91)
        declined = people.person(["income"])
        people.referral(declined, category="vocational_training", status="declined", on=5)
        on_time = people.person(["income"])
        people.enrol(on_time, on=90)
    rows = values(figure("voice-income-support"))
    assert rows["All returnees"] == [6, 6, 1.0, 0.3333, 0.3333]


def test_days_from_return_to_first_income(k2, people):
    build(people)
    rows = values(figure("voice-first-income"))
    # returned, with a first income, share, median days (A 40, B 100, F 70; each twice)
    assert rows["All returnees"] == [12, 6, 0.5, 70.0]
    assert rows["Woman"] == [6, 4, 0.6667, 70.0]
    assert rows["Man"] == [6, 2, 0.3333, 70.0]


def test_an_earning_follow_up_is_a_first_income_and_income_before_return_is_not(k2, people):
    for _ in range(2):
        case = people.person(["income"])
        enrolment = people.enrol(case, on=-30)
        people.stipend(enrolment, on=-10)  # before the return: not a first income after it
        IncomeFollowUp.objects.create(
            enrolment=enrolment, months=1, due_on=day(20), done_on=day(21), employment="self_employed"
        )
        IncomeFollowUp.objects.create(
            enrolment=enrolment, months=3, due_on=day(10), done_on=day(12), employment="looking"
        )
    assert values(figure("voice-first-income"))["All returnees"] == [2, 2, 1.0, 21.0]


def test_priorities_as_ranked(k2, people):
    build(people)
    rows = values(figure("voice-priorities"))
    # ranked first, in the top three, share of the 10 who ranked
    assert rows["A job or an income"] == [4, 8, 0.8]
    assert rows["Paying off debt"] == [2, 4, 0.4]
    assert rows["Family acceptance and relations"] == [2, 6, 0.6]
    assert rows["Safety"] == [0, 2, 0.2]
    assert rows["Housing"] == [0, 2, 0.2]
    assert rows["Children's schooling"] == [0, 0, 0.0]
    assert rows["People who ranked their priorities"][0] == 10


def test_priorities_by_gender(k2, people):
    build(people)
    table = figure("voice-priorities-by-gender").table
    assert table.columns == ["Woman", "Man"]
    rows = values(figure("voice-priorities-by-gender"))
    assert rows["A job or an income"] == [1.0, 0.5]
    assert rows["Family acceptance and relations"] == [0.3333, 1.0]
    assert rows["People who ranked their priorities"] == [6, 4]


def test_priorities_by_country_and_type_of_return(k2, people):
    for _ in range(2):
        people.person(["income", "debt"], country_from="MY", return_type="deportation")
        people.person(["debt", "family"], country_from="SA", return_type="assisted_voluntary")
    by_country = figure("voice-priorities-by-country")
    assert by_country.table.columns == ["Malaysia", "Saudi Arabia"]
    assert values(by_country)["A job or an income"] == [1.0, 0.0]
    by_type = figure("voice-priorities-by-type")
    assert by_type.table.columns == ["Assisted voluntary return", "Deportation or other forced return"]
    assert values(by_type)["Paying off debt"] == [1.0, 1.0]


def test_the_priority_gap(k2, people):
    build(people)
    rows = values(figure("voice-priority-gap"))
    # share ranking it top 3, share who received something for it, of the top-3: received, gap in points
    assert rows["A job or an income"] == [0.8, 0.8, 1.0, 0.0]
    assert rows["Family acceptance and relations"] == [0.6, 0.2, 0.3333, 40.0]
    assert rows["Learning skills"] == [0.0, 0.6, None, -60.0]  # A, B, C trained; nobody ranked it
    assert rows["Paying off debt"] == [0.4, 0.0, 0.0, 40.0]


def test_the_period_counts_by_date_of_return(k2, people):
    build(people)
    for _ in range(2):
        people.person(["income"], returned_on=datetime.date(2025, 6, 1))
    assert values(figure("voice-income-support"))["All returnees"][0] == 12
    assert values(figure("voice-income-support", Filters()))["All returnees"][0] == 14


def test_a_filter_shows_its_slice(k2, people):
    build(people)
    rows = values(figure("voice-income-support", Filters(since=SINCE, chosen={"gender": "Masculine"})))
    assert rows["All returnees"] == [6, 4, 0.5, 0.6667, 1.0]


def test_the_area_filter_reads_the_home_area(k2, people):
    for _ in range(2):
        chiang_rai = people.person(["income", "debt"], home_area="TH-57")
        people.stipend(people.enrol(chiang_rai, on=10), on=12)
        people.person(["debt"], home_area="TH-50")
    area = Filters(since=SINCE, chosen={"area": "TH-57"})
    assert values(figure("voice-priorities", area))["A job or an income"] == [2, 2, 1.0]
    assert values(figure("voice-first-income", area))["All returnees"] == [2, 2, 1.0, 12.0]
    assert values(figure("voice-priority-gap", area))["Paying off debt"] == [1.0, 0.0, 0.0, 100.0]


def test_small_cells_are_suppressed_with_the_default_k(settings, people):
    settings.INSIGHTS_MIN_CELL = 5
    build(people, times=1)  # three women, three men: every group under five
    rows = {row.label: row.cells for row in figure("voice-income-support").table.rows}
    assert all(cell.suppressed for cell in rows["Man"])
    assert rows["All returnees"][0].value == 6
    assert rows["All returnees"][2].suppressed  # 4 of 5 ranked: the 4 and the 1 are under five
    gap = {row.label: row.cells for row in figure("voice-priority-gap").table.rows}
    assert gap["A job or an income"][0].suppressed
    assert all(c.suppressed for c in values_cells(figure("voice-first-income"), "Man")[1:])


def values_cells(fig, label):
    return next(row.cells for row in fig.table.rows if row.label == label)


def test_the_page_its_filters_and_a_bad_filter(k2, users, people):
    build(people)
    client = client_for(users["ana"])
    url = reverse("insights:dashboard", args=["voice"])
    page = client.get(url, {"since": "2026-01-01", "gender": "Feminine"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="voice-income-support"' in body and "<svg" in body
    assert "Person 1" not in body
    assert client.get(url, {"since": "not a date"}).status_code == 400
    assert client.get(url, {"gender": "Martian"}).status_code == 400


def test_a_figure_as_csv(k2, users, people):
    build(people)
    response = client_for(users["cora"]).get(
        reverse("insights:figure_csv", args=["voice", "voice-income-support"]), {"since": "2026-01-01"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["All returnees", "12", "10", "0.8", "0.6667", "0.75"]


def test_the_csv_marks_suppressed_cells(settings, users, people):
    settings.INSIGHTS_MIN_CELL = 5
    build(people, times=1)
    response = client_for(users["ana"]).get(reverse("insights:figure_csv", args=["voice", "voice-income-support"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    male = next(r for r in rows if r and r[0] == "Man")
    assert male[1:] == ["suppressed"] * 5


def test_the_api(k2, users, people):
    build(people)
    response = api_client_for(users["ana"]).get("/api/v1/insights/priorities/", {"since": "2026-01-01"})
    assert response.status_code == 200
    data = response.json()
    assert data["dashboard"] == "priorities"
    headline = data["figures"][0]
    assert headline["key"] == "voice-income-support"
    assert headline["table"]["rows"][0]["cells"][2] == {"value": 0.8, "suppressed": False}
    assert api_client_for(users["ana"]).get("/api/v1/insights/priorities/", {"until": "x"}).status_code == 400


@pytest.mark.parametrize(("who", "status"), [("ana", 200), ("cora", 200), ("sam", 200), ("alice", 403), ("pat", 403)])
def test_who_may_read_it(users, who, status):
    assert client_for(users[who]).get(reverse("insights:dashboard", args=["voice"])).status_code == status
    assert api_client_for(users[who]).get("/api/v1/insights/priorities/").status_code == status


def test_a_supervisor_counts_only_their_agency(k2, users, people):
    build(people)
    for _ in range(3):
        returned(users["bob"])  # Beta's returnees
    sam = {"since": "2026-01-01"}
    data = api_client_for(users["sam"]).get("/api/v1/insights/priorities/", sam).json()
    assert data["figures"][0]["table"]["rows"][0]["cells"][0]["value"] == 12
    bella = api_client_for(users["bella"]).get("/api/v1/insights/priorities/", sam).json()
    assert bella["figures"][0]["table"]["rows"][0]["cells"][0]["value"] == 3
