"""The Outcomes dashboard (issue 13): work and income after an option, by kind, provider and
stipend; the sustainability index over the time since return; drop-out with and without a stipend.
Every figure against people counted by hand, with small cells suppressed."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reintegra.access import enrolment_get_for_user
from reintegra.accounts.models import User
from reintegra.cases.models import Case
from reintegra.insights import outcomes
from reintegra.insights.cubes import Figure
from reintegra.insights.filters import Filters
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import services as livelihood_services
from reintegra.livelihoods.models import Enrolment, IncomeFollowUp, Opportunity
from reintegra.plans.models import Assessment

from ..conftest import api_client_for, client_for, make_agency
from ..livelihoods.conftest import catalogue  # noqa: F401  (the options of the workflow's own tests)
from ..livelihoods.test_enrolments import move, recommend, refer_to_trainer, today  # noqa: F401
from .factory import returned

PAGE = reverse("insights:dashboard", args=["outcomes"])
API = "/api/v1/insights/outcomes/"
MAY_1, MAY_10, APRIL_20 = datetime.date(2026, 5, 1), datetime.date(2026, 5, 10), datetime.date(2026, 4, 20)


@dataclass
class Options:
    paid: Opportunity  # a paid apprenticeship with a stipend, by Gamma
    unpaid: Opportunity  # a vocational training without one, by Zeta


@pytest.fixture
def options(users, network) -> Options:
    zeta = make_agency("zeta-skills", name="Zeta Skills", type="TrainingProvider", country="TH", areas=["TH-57"])
    common = {"isco": "74", "area": "TH-57", "duration_weeks": 12}
    paid = livelihood_services.opportunity_save(
        actor=users["cora"],
        provider=network.trainer,
        kind="paid_training",
        title="Electrician apprenticeship",
        stipend_monthly=Decimal(6000),
        currency="THB",
        **common,
    )
    unpaid = livelihood_services.opportunity_save(
        actor=users["cora"], provider=zeta, kind="vocational_training", title="Sewing course", **common
    )
    return Options(paid=paid, unpaid=unpaid)


def on_option(
    user: User, case: Case, option: Opportunity, *, status: str = "completed", ended_on: datetime.date = MAY_1
) -> Enrolment:
    """An enrolment that has ended as given (the workflow's own rules are tested in tests/livelihoods)."""
    return Enrolment.objects.create(
        case=case,
        agency_id=case.agency_id,
        opportunity=option,
        status=status,
        recommended_by=user,
        recommended_on=ended_on - datetime.timedelta(days=100),
        enrolled_on=ended_on - datetime.timedelta(days=90),
        ended_on=ended_on,
    )


def followed_up(enrolment: Enrolment, months: int, employment: str, income: int | None = None, currency: str = "THB"):
    due = enrolment.ended_on + datetime.timedelta(days=30 * months)
    IncomeFollowUp.objects.create(
        enrolment=enrolment,
        months=months,
        due_on=due,
        done_on=due,
        employment=employment,
        monthly_income=None if income is None else Decimal(income),
        currency=currency if income is not None else "",
    )


@pytest.fixture
def completers(users, options):
    """On the paid apprenticeship (completed 1 May): A and B (women) in work at 1 month, earning 9,000
    and 10,000 THB; C and D (men) looking. At 3 months all four work: 10,000 to 13,000 THB.
    On the unpaid course (completed 10 May): E and F in work at 1 month (5,000 and 7,000 THB), G and H
    not. Nobody yet at 6 or 12 months."""
    alice = users["alice"]
    people = {}
    for name, gender in zip("ABCD", ["Feminine", "Feminine", "Masculine", "Masculine"], strict=True):
        people[name] = on_option(alice, returned(alice, gender=gender), options.paid)
    for name in "EFGH":
        people[name] = on_option(alice, returned(alice), options.unpaid, ended_on=MAY_10)
    followed_up(people["A"], 1, "employed", 9000)
    followed_up(people["B"], 1, "self_employed", 10000)
    followed_up(people["C"], 1, "looking")
    followed_up(people["D"], 1, "not_working")
    for name, income in zip("ABCD", [10000, 11000, 12000, 13000], strict=True):
        followed_up(people[name], 3, "employed_other" if name == "D" else "employed", income)
    followed_up(people["E"], 1, "employed", 5000)
    followed_up(people["F"], 1, "employed", 7000)
    followed_up(people["G"], 1, "looking")
    followed_up(people["H"], 1, "studying")
    return people


def table_of(figure: Figure) -> dict[str, list[str]]:
    return {row.label: [cell.text() for cell in row.cells] for row in figure.table.rows}


def figure(key: str, filters: Filters | None = None) -> Figure:
    found = {f.key: f for f in outcomes.figures(filters or Filters())}
    return found[key]


# --- Work and income ---------------------------------------------------------------------------------


def test_work_by_kind_counts_the_people_in_paid_work_at_each_follow_up(settings, completers):
    settings.INSIGHTS_MIN_CELL = 2
    table = table_of(figure("outcomes-work-by-kind"))
    # Followed up and in paid work at 1, 3, 6 and 12 months.
    assert table["Paid on-the-job training or apprenticeship"] == ["4", "50%", "4", "100%", "0", "–", "0", "–"]
    assert table["Vocational training"] == ["4", "50%", "0", "–", "0", "–", "0", "–"]
    assert table["All kinds"] == ["8", "50%", "4", "100%", "0", "–", "0", "–"]


def test_work_by_provider_names_the_providers(settings, completers):
    settings.INSIGHTS_MIN_CELL = 2
    table = table_of(figure("outcomes-work-by-provider"))
    assert list(table) == ["Gamma Skills Centre", "Zeta Skills", "All providers"]
    assert table["Gamma Skills Centre"][:4] == ["4", "50%", "4", "100%"]


def test_work_with_and_without_a_stipend(settings, completers):
    settings.INSIGHTS_MIN_CELL = 2
    table = table_of(figure("outcomes-work-by-stipend"))
    assert table["With a stipend or wage"][:4] == ["4", "50%", "4", "100%"]
    assert table["Without a stipend or wage"][:4] == ["4", "50%", "0", "–"]


def test_income_gives_the_median_of_those_earning_per_currency(settings, completers):
    settings.INSIGHTS_MIN_CELL = 2
    table = table_of(figure("outcomes-income-by-kind"))
    # Earning and median income at 1, 3, 6 and 12 months.
    assert table["Paid on-the-job training or apprenticeship, THB"] == ["2", "9,500", "4", "11,500", "0", "–", "0", "–"]
    assert table["Vocational training, THB"] == ["2", "6,000", "0", "–", "0", "–", "0", "–"]
    assert table["All kinds, THB"] == ["4", "8,000", "4", "11,500", "0", "–", "0", "–"]


def test_income_keeps_each_currency_apart(settings, users, options):
    settings.INSIGHTS_MIN_CELL = 2
    alice = users["alice"]
    for income, currency in [(100, "THB"), (300, "THB"), (5000, "PHP"), (9000, "PHP"), (7000, "PHP")]:
        followed_up(on_option(alice, returned(alice), options.paid), 1, "employed", income, currency)
    found = figure("outcomes-income-by-stipend")
    table = table_of(found)
    assert table["With a stipend or wage, PHP"][:2] == ["3", "7,000"]
    assert table["With a stipend or wage, THB"][:2] == ["2", "200"]
    assert [row.label for row in found.table.rows][0].endswith("PHP")  # the currency most people earn in first
    assert "PHP" in found.chart


def test_the_period_counts_options_by_the_day_they_ended(settings, completers):
    settings.INSIGHTS_MIN_CELL = 2
    table = table_of(figure("outcomes-work-by-kind", Filters(since=datetime.date(2026, 5, 5))))
    assert "Paid on-the-job training or apprenticeship" not in table
    assert table["All kinds"][:2] == ["4", "50%"]


def test_a_filter_shows_its_slice(settings, completers):
    settings.INSIGHTS_MIN_CELL = 2
    table = table_of(figure("outcomes-work-by-kind", Filters(chosen={"gender": "Masculine"})))
    assert table["Paid on-the-job training or apprenticeship"][:4] == ["2", "0%", "2", "100%"]


def test_a_supervisor_counts_only_the_cases_of_their_agency(settings, users, completers, options):
    settings.INSIGHTS_MIN_CELL = 2
    for _ in range(2):
        followed_up(on_option(users["bob"], returned(users["bob"]), options.paid), 1, "employed", 8000)
    network_wide = table_of(figure("outcomes-work-by-kind"))
    alpha = table_of(figure("outcomes-work-by-kind", Filters(agency_id=users["sam"].agency_id)))
    assert network_wide["Paid on-the-job training or apprenticeship"][:2] == ["6", "67%"]
    assert alpha["Paid on-the-job training or apprenticeship"][:2] == ["4", "50%"]


def test_a_follow_up_not_yet_done_is_not_counted(settings, users, options, completers):
    settings.INSIGHTS_MIN_CELL = 2
    IncomeFollowUp.objects.create(
        enrolment=completers["A"], months=6, due_on=datetime.date(2026, 11, 1), done_on=None, employment=""
    )
    assert table_of(figure("outcomes-work-by-kind"))["All kinds"][4:6] == ["0", "–"]


# --- Drop-out ----------------------------------------------------------------------------------------


def test_dropout_compares_options_with_and_without_a_stipend(settings, users, options, completers):
    """With a stipend: 4 completed and 2 left (2 of 6). Without: 4 completed and 4 left (4 of 8)."""
    settings.INSIGHTS_MIN_CELL = 2
    alice = users["alice"]
    for _ in range(2):
        on_option(alice, returned(alice), options.paid, status="dropped_out", ended_on=APRIL_20)
    for _ in range(4):
        on_option(alice, returned(alice), options.unpaid, status="dropped_out", ended_on=APRIL_20)
    # Not ended yet, or never started: not counted.
    case = returned(alice)
    Enrolment.objects.create(
        case=case,
        agency_id=case.agency_id,
        opportunity=options.unpaid,
        status="enrolled",
        recommended_by=alice,
        recommended_on=APRIL_20,
        enrolled_on=APRIL_20,
    )
    case = returned(alice)
    Enrolment.objects.create(
        case=case,
        agency_id=case.agency_id,
        opportunity=options.unpaid,
        status="declined",
        recommended_by=alice,
        recommended_on=MAY_1,
    )
    found = figure("outcomes-dropout")
    table = table_of(found)
    # Ended and dropped out, with a stipend or wage; then without.
    assert table["Paid on-the-job training or apprenticeship"] == ["6", "33%", "0", "–"]
    assert table["Vocational training"] == ["0", "–", "8", "50%"]
    assert table["All kinds"] == ["6", "33%", "8", "50%"]
    assert "Share who dropped out" in found.chart


# --- Sustainability -----------------------------------------------------------------------------------


def assessed(case: Case, point: str, done_on: datetime.date, economic: float, social: float, psychosocial: float):
    composite = (economic + social + psychosocial) / 3
    # Saved (not a queryset update): the summary tables follow saves (insights/facts.py).
    assessment = Assessment.objects.get(case=case, point=point)
    assessment.done_on, assessment.composite = done_on, composite
    assessment.economic, assessment.social, assessment.psychosocial = economic, social, psychosocial
    assessment.save()


def test_sustainability_gives_the_mean_of_each_dimension_by_time_since_return(settings, users):
    """Returned on 10 March. Baselines two days later; the 3-month assessments on 8 June, 90 days
    after: a day before three calendar months would make it, they count at 3 months, not at return."""
    settings.INSIGHTS_MIN_CELL = 2
    a, b = returned(users["alice"]), returned(users["alice"])
    assessed(a, "baseline", datetime.date(2026, 3, 12), 0.2, 0.4, 0.6)
    assessed(b, "baseline", datetime.date(2026, 3, 12), 0.4, 0.6, 0.8)
    assessed(a, "m3", datetime.date(2026, 6, 8), 0.5, 0.5, 0.5)
    assessed(b, "m3", datetime.date(2026, 6, 8), 0.7, 0.7, 0.7)
    table = table_of(figure("outcomes-sustainability"))
    # People assessed, then economic, social, psychosocial and the index.
    assert table["Under 3 months"] == ["2", "0.30", "0.50", "0.70", "0.50"]
    assert table["3 to 6 months"] == ["2", "0.60", "0.60", "0.60", "0.60"]
    assert table["6 to 12 months"] == ["0", "–", "–", "–", "–"]
    assert table["12 months or more"] == ["0", "–", "–", "–", "–"]


def test_a_person_assessed_twice_in_one_band_counts_once(settings, users):
    """Returned on 10 March; assessed two days after and again on 20 April: both under 3 months. The
    people are counted once each (the first row of each case in its band); the means take every
    assessment."""
    settings.INSIGHTS_MIN_CELL = 2
    a, b = returned(users["alice"]), returned(users["alice"])
    for case in (a, b):
        assessed(case, "baseline", datetime.date(2026, 3, 12), 0.2, 0.2, 0.2)
        assessed(case, "m3", APRIL_20, 0.4, 0.4, 0.4)
    for filters in (Filters(), Filters(since=datetime.date(2026, 3, 1), until=datetime.date(2026, 3, 31))):
        table = table_of(figure("outcomes-sustainability", filters))
        assert table["Under 3 months"] == ["2", "0.30", "0.30", "0.30", "0.30"]


def test_sustainability_counts_by_date_of_return(settings, users):
    settings.INSIGHTS_MIN_CELL = 2
    for case in (returned(users["alice"]), returned(users["alice"])):
        assessed(case, "baseline", datetime.date(2026, 3, 12), 0.5, 0.5, 0.5)
    for case in (returned(users["alice"], returned_on=datetime.date(2025, 1, 5)) for _ in range(2)):
        assessed(case, "m12", datetime.date(2026, 1, 2), 0.9, 0.9, 0.9)
    table = table_of(figure("outcomes-sustainability", Filters(since=datetime.date(2026, 1, 1))))
    assert table["Under 3 months"][0] == "2"
    assert table["12 months or more"][0] == "0"
    everyone = table_of(figure("outcomes-sustainability"))
    assert everyone["12 months or more"] == ["2", "0.90", "0.90", "0.90", "0.90"]


# --- Suppression ------------------------------------------------------------------------------------------


def test_with_the_default_threshold_the_small_groups_are_suppressed_never_zero(completers):
    """k = 5: four people on each option are too few, and so are the eight in all once a margin
    would give them back; the medians over two or four people are hidden too."""
    work = table_of(figure("outcomes-work-by-kind"))
    assert work["Paid on-the-job training or apprenticeship"][:4] == ["suppressed"] * 4
    assert work["Vocational training"][:2] == ["suppressed"] * 2
    income = table_of(figure("outcomes-income-by-kind"))
    assert set(income["All kinds, THB"][:4]) == {"suppressed"}


def test_a_hidden_cell_cannot_be_worked_out_from_the_other_rows(settings, users, options, completers):
    """k = 3. Add a fifth person in work at 1 month on the unpaid course: 3 of 5 in work. The paid
    apprenticeship's 2 in work are hidden, so are its 2 not in work; the total in work (2 + 3) would
    give them back from the unpaid course's 3, so the unpaid course's share is hidden too."""
    settings.INSIGHTS_MIN_CELL = 3
    followed_up(on_option(users["alice"], returned(users["alice"]), options.unpaid, ended_on=MAY_10), 1, "employed")
    table = table_of(figure("outcomes-work-by-kind"))
    assert table["Paid on-the-job training or apprenticeship"][1] == "suppressed"
    assert table["Vocational training"][1] == "suppressed"
    assert table["Vocational training"][0] == "5"


# --- Through the workflow's own services ------------------------------------------------------------------


def test_a_follow_up_recorded_through_the_services_is_counted(settings, users, network, catalogue, today):  # noqa: F811
    settings.INSIGHTS_MIN_CELL = 2
    paid, _unpaid = catalogue
    day = datetime.timedelta(days=1)
    for _ in range(2):
        case = returned(users["alice"], returned_on=today - 200 * day)
        refer_to_trainer(users, case, network)
        enrolment = recommend(users, case, paid, on=today - 150 * day)
        move(users["alice"], enrolment, "offered", on=today - 149 * day)
        move(users["alice"], enrolment, "accepted", on=today - 148 * day)
        move(users["pat"], enrolment, "enrolled", on=today - 147 * day)
        move(users["pat"], enrolment, "completed", on=today - 60 * day)
        follow_up = enrolment.follow_ups.get(months=1)
        flow.follow_up_record(
            actor=users["alice"],
            access=enrolment_get_for_user(users["alice"], enrolment_id=enrolment.pk),
            follow_up=follow_up,
            done_on=today - 20 * day,
            employment="employed",
            monthly_income=Decimal(8000),
            currency="THB",
        )
    assert table_of(figure("outcomes-work-by-stipend"))["With a stipend or wage"][:2] == ["2", "100%"]
    assert table_of(figure("outcomes-income-by-stipend"))["With a stipend or wage, THB"][:2] == ["2", "8,000"]


# --- Queries ---------------------------------------------------------------------------------------------


def test_the_figures_count_in_as_many_queries_for_more_people(settings, users, options, completers):
    settings.INSIGHTS_MIN_CELL = 2
    filters = Filters(chosen={"gender": "Feminine", "age": "25-34"})
    with CaptureQueriesContext(connection) as few:
        outcomes.figures(filters)
    alice = users["alice"]
    for _ in range(3):
        enrolment = on_option(alice, returned(alice), options.unpaid)
        followed_up(enrolment, 1, "employed", 4000)
        followed_up(enrolment, 3, "looking")
        on_option(alice, returned(alice), options.paid, status="dropped_out")
    with CaptureQueriesContext(connection) as more:
        outcomes.figures(filters)
    assert len(more) == len(few)


def test_median_of_a_histogram_is_the_median_of_the_values():
    assert outcomes.median({}) is None
    assert outcomes.median({5.0: 1}) == 5.0
    assert outcomes.median({1.0: 1, 2.0: 1, 10.0: 2}) == 6.0
    assert outcomes.median({1.0: 3, 2.0: 1}) == 1.0
    assert outcomes.median({1.0: 2, 3.0: 2}) == 2.0


# --- The page, the CSV, the API and who reads them --------------------------------------------------------


@pytest.mark.parametrize("persona", ["ana", "cora", "sam"])
def test_the_readers_of_insights_open_the_outcomes(settings, users, completers, persona):
    settings.INSIGHTS_MIN_CELL = 2
    response = client_for(users[persona]).get(PAGE, {"gender": "Feminine"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Paid work after the option, by kind of option" in page
    assert 'id="outcomes-dropout"' in page
    assert "<svg" in page


@pytest.mark.parametrize("persona", ["alice", "pat"])
def test_caseworkers_and_providers_cannot_read_the_outcomes(users, persona):
    assert client_for(users[persona]).get(PAGE).status_code == 403
    assert api_client_for(users[persona]).get(API).status_code == 403
    csv_url = reverse("insights:figure_csv", args=["outcomes", "outcomes-dropout"])
    assert client_for(users[persona]).get(csv_url).status_code == 403


def test_a_bad_filter_is_refused_and_named(users):
    response = client_for(users["ana"]).get(PAGE, {"since": "2026-13-40"})
    assert response.status_code == 400
    assert 'id="id_since-error"' in response.content.decode()
    api = api_client_for(users["ana"]).get(API, {"gender": "Nobody"})
    assert api.status_code == 400
    assert "gender" in api.json()["error"]["fields"]


def test_the_csv_of_a_figure_gives_its_table(settings, users, completers):
    settings.INSIGHTS_MIN_CELL = 2
    url = reverse("insights:figure_csv", args=["outcomes", "outcomes-work-by-stipend"])
    response = client_for(users["ana"]).get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Stipend", "Followed up at 1 month", "In paid work at 1 month"]
    assert rows[1][:5] == ["With a stipend or wage", "4", "0.5", "4", "1.0"]
    assert rows[3][:3] == ["All options", "8", "0.5"]


def test_the_csv_marks_suppressed_cells(users, completers):
    url = reverse("insights:figure_csv", args=["outcomes", "outcomes-work-by-kind"])
    rows = list(csv.reader(io.StringIO(client_for(users["ana"]).get(url).content.decode("utf-8-sig"))))
    assert rows[1][1:3] == ["suppressed", "suppressed"]


def test_the_api_gives_the_figures_with_suppressed_cells_marked(settings, users, completers):
    settings.INSIGHTS_MIN_CELL = 2
    response = api_client_for(users["cora"]).get(API, {"since": "2026-01-01"})
    assert response.status_code == 200
    data = response.json()
    assert data["dashboard"] == "outcomes"
    keys = [f["key"] for f in data["figures"]]
    assert keys == [
        "outcomes-work-by-kind",
        "outcomes-work-by-provider",
        "outcomes-work-by-stipend",
        "outcomes-income-by-kind",
        "outcomes-income-by-provider",
        "outcomes-income-by-stipend",
        "outcomes-sustainability",
        "outcomes-dropout",
    ]
    work = data["figures"][0]["table"]
    assert work["rows"][0]["cells"][:2] == [
        {"value": 4, "suppressed": False},
        {"value": 0.5, "suppressed": False},
    ]
    settings.INSIGHTS_MIN_CELL = 5
    hidden = api_client_for(users["cora"]).get(API).json()["figures"][0]["table"]["rows"][0]["cells"][0]
    assert hidden == {"value": None, "suppressed": True}


def test_no_name_or_case_code_reaches_the_page(settings, users, completers):
    settings.INSIGHTS_MIN_CELL = 2
    page = client_for(users["ana"]).get(PAGE).content.decode()
    for enrolment in completers.values():
        assert enrolment.case.code not in page
    assert "Person " not in page


WAYS_OF_COUNTING = {
    # Each case's first row in the group, marked by insights/facts.mark_firsts, counted plainly.
    "no filter": Filters(),
    "a filter": Filters(chosen={"gender": "Feminine"}),
    # A period on the options' end: COUNT(DISTINCT case) (a case's first row may fall outside it).
    "a period": Filters(since=MAY_1, until=MAY_10),
    "a period and a filter": Filters(since=MAY_1, until=MAY_10, chosen={"gender": "Feminine"}),
}


@pytest.fixture
def twice_each(users, options):
    """Two women, each followed up at 1 month on two paid options of one kind (both ended in May), in
    work and earning THB both times; both options ended, one of them left early."""
    alice = users["alice"]
    for income in (9000, 11000):
        case = returned(alice, gender="Feminine")
        for option_ended in (MAY_1, MAY_1 + datetime.timedelta(days=1)):
            followed_up(on_option(alice, case, options.paid, ended_on=option_ended), 1, "employed", income)
    return alice


@pytest.mark.parametrize("filters", WAYS_OF_COUNTING.values(), ids=WAYS_OF_COUNTING.keys())
def test_a_person_followed_up_on_two_options_of_one_kind_counts_once_in_its_row(settings, twice_each, filters):
    settings.INSIGHTS_MIN_CELL = 2
    kind = "Paid on-the-job training or apprenticeship"
    for by in ("kind", "stipend"):
        table = table_of(figure(f"outcomes-work-by-{by}", filters))
        row = kind if by == "kind" else "With a stipend or wage"
        assert table[row][:2] == ["2", "100%"]  # two people, four follow-ups
    earning = table_of(figure("outcomes-income-by-kind", filters))
    assert earning[f"{kind}, THB"][:2] == ["2", "10,000"]  # the median of the four incomes
    assert table_of(figure("outcomes-dropout", filters))[kind][:2] == ["2", "0%"]


def test_a_person_still_counts_once_when_the_row_that_counted_them_is_deleted(settings, twice_each):
    """The marks are the case's: deleting a follow-up works the case's rows out again, marks included."""
    settings.INSIGHTS_MIN_CELL = 2
    for case in Case.objects.all():
        IncomeFollowUp.objects.filter(enrolment__case=case).order_by("pk").first().delete()
    table = table_of(figure("outcomes-work-by-kind"))
    assert table["Paid on-the-job training or apprenticeship"][:2] == ["2", "100%"]
