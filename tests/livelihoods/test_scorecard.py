"""The programme scorecard (issue 13): the four failures as indicators with thresholds and flags, hand-
counted on fixtures that have each failure and on fixtures that do not; suppression under k people;
the page with its filters, the CSV file and the `audit programmes` command."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reintegra.cases import services as case_services
from reintegra.livelihoods import scorecard, services
from reintegra.livelihoods.models import (
    Enrolment,
    IncomeFollowUp,
    Placement,
    SkillsProfile,
    StipendPayment,
)
from reintegra.livelihoods.scorecard import Scope

from .. import hostile
from ..cases.conftest import IDENTITY
from ..conftest import client_for, make_agency
from .test_labour_market import HEADER

DAY = datetime.timedelta(days=1)
FIGURES = HEADER + (
    "TH-57,72,120,,12000,THB,Chiang Rai Employment Office,2026-06-30\n"
    "TH-57,51,340,64.5,9800,THB,Chiang Rai Employment Office,2026-06-30\n"
    "TH-57,74,,75,11000,THB,Chiang Rai Employment Office,2026-06-30\n"
    "TH-57,41,10,20,9000,THB,Chiang Rai Employment Office,2026-06-30\n"
)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture(autouse=True)
def k_of_five(settings):
    settings.INSIGHTS_MIN_CELL = 5


class People:
    """Returnees opened at Alpha, each put on options with the dates a test needs (straight into the
    records: the scorecard reads records, whichever way they were written)."""

    def __init__(self, users):
        self.users = users
        self.made = 0

    def case(self, gender="Feminine"):
        self.made += 1
        return case_services.case_open(
            actor=self.users["alice"], **(IDENTITY | {"given_name": f"Person{self.made}", "gender": gender})
        )

    def enrol(self, option, *, status="enrolled", gender="Feminine", case=None, on, ended=None, decided=None):
        case = case or self.case(gender)
        started = status not in ("declined", "offered", "recommended", "accepted")
        return Enrolment.objects.create(
            case=case,
            agency_id=case.agency_id,
            opportunity=option,
            status=status,
            recommended_by=self.users["alice"],
            recommended_on=(decided or on) - 3 * DAY,
            decided_on=decided or (on - DAY if started else on),
            decline_reason="Too far from home" if status == "declined" else "",
            enrolled_on=on if started else None,
            ended_on=ended,
        )

    def place(self, enrolment, started_on):
        return Placement.objects.create(
            enrolment=enrolment,
            kind="job",
            employer_name="Mae Sai Electric",
            isco=enrolment.opportunity.isco,
            started_on=started_on,
            recorded_by=self.users["pat"],
        )

    def follow_up(self, enrolment, months, employment):
        done = enrolment.ended_on + months * 30 * DAY
        return IncomeFollowUp.objects.create(
            enrolment=enrolment, months=months, due_on=done, done_on=done, employment=employment
        )


@pytest.fixture
def people(users, network):
    return People(users)


def option(users, provider, isco, area="TH-57", kind="vocational_training", **extra):
    return services.opportunity_save(
        actor=users["cora"],
        provider=provider,
        kind=kind,
        title=extra.pop("title", f"Course {isco} in {area}"),
        isco=isco,
        area=area,
        **extra,
    )


def by_key(card):
    return {i.key: i for i in card.indicators}


def card_of(today, **scope):
    return by_key(scorecard.scorecard(Scope(**scope), today=today))


# --- 1. Offer diversity and market orientation ------------------------------------------------------


def test_a_few_gendered_trades_without_local_demand_raise_every_flag_of_the_first_failure(
    users, network, people, today
):
    services.labour_market_import(actor=users["cora"], text=FIGURES)
    sewing = option(
        users,
        network.trainer,
        "75",
        area="TH-50",
        seats=20,
        gender_restriction="female",
        gender_restriction_reason="Held in the women's shelter",
    )
    wiring = option(users, network.trainer, "74", area="TH-50", seats=10)  # no figure for TH-50: demand unknown
    for n in range(5):  # 4 women on sewing, 1 on wiring; 5 men all on wiring
        people.enrol(sewing if n < 4 else wiring, gender="Feminine", on=today - 20 * DAY)
        people.enrol(wiring, gender="Masculine", on=today - 20 * DAY)

    card = card_of(today)

    assert (card["occupation_groups"].value, card["occupation_groups"].flag) == (2, True)
    assert (card["seats_high_demand"].value, card["seats_high_demand"].flag) == (0, True)
    assert card["seats_high_demand"].denominator == 30
    # Duncan: ½ (|4/5 − 0/5| + |1/5 − 5/5|) = 0.8
    assert card["gender_segregation"].value == pytest.approx(0.8) and card["gender_segregation"].flag is True
    assert card["women_in_gendered_trades"].value == pytest.approx(0.8) and card["women_in_gendered_trades"].flag
    assert (card["gender_restricted_options"].value, card["gender_restricted_options"].flag) == (1, True)
    assert card["gender_restricted_options"].recommendation
    assert "0.80" in card["gender_segregation"].explanation


def test_a_diverse_market_oriented_mixed_offer_raises_no_flag_of_the_first_failure(users, network, people, today):
    services.labour_market_import(actor=users["cora"], text=FIGURES)
    # 72, 51, 74 in high demand (120 vacancies, index 64.5, index 75) hold 30 of the 40 seats; 41 is low.
    options = [option(users, network.trainer, code, seats=10) for code in ("72", "51", "74", "41")]
    options.append(option(users, network.trainer, "81"))  # no seats given: left out of the seat share
    for each in options:
        people.enrol(each, gender="Feminine", on=today - 20 * DAY)
        people.enrol(each, gender="Masculine", on=today - 20 * DAY)

    card = card_of(today)

    assert (card["occupation_groups"].value, card["occupation_groups"].flag) == (5, False)
    assert card["seats_high_demand"].value == pytest.approx(0.75) and card["seats_high_demand"].flag is False
    assert card["gender_segregation"].value == pytest.approx(0) and card["gender_segregation"].flag is False
    # One woman in five is in a traditionally gendered group (51, personal services).
    assert card["women_in_gendered_trades"].value == pytest.approx(0.2)
    assert card["women_in_gendered_trades"].flag is False
    assert (card["gender_restricted_options"].value, card["gender_restricted_options"].flag) == (0, False)


# --- 2. Training as a step to work ------------------------------------------------------------------


def test_completers_left_without_work_raise_the_flags_of_the_second_failure(users, network, people, today):
    training = option(users, network.trainer, "74")
    ended = today - 200 * DAY
    completers = [people.enrol(training, status="completed", on=ended - 90 * DAY, ended=ended) for _ in range(4)]
    placed = people.enrol(training, status="placed", on=ended - 90 * DAY, ended=ended)
    people.place(placed, ended + 10 * DAY)
    people.follow_up(completers[0], 3, "looking")

    card = card_of(today)

    for key in ("working_at_3_months", "working_at_6_months"):
        assert card[key].value == pytest.approx(1 / 5) and card[key].flag is True, key
        assert card[key].denominator == 5
    assert (card["trainings_with_partner"].value, card["trainings_with_partner"].flag) == (0, True)
    assert card["without_work_after_30_days"].value == pytest.approx(4 / 5)
    assert card["without_work_after_30_days"].flag is True


def test_trainings_that_lead_to_work_raise_no_flag_of_the_second_failure(users, network, people, today):
    employer = make_agency("mae-sai-electric", name="Mae Sai Electric", type="Employer")
    training = option(users, network.trainer, "74")
    services.opportunity_save(
        actor=users["cora"],
        opportunity=training,
        version=training.version,
        placement_partners=[employer],
        **{f: getattr(training, f) for f in ("kind", "title", "provider", "isco", "area")},
    )
    ended = today - 200 * DAY
    for n in range(5):
        enrolment = people.enrol(training, status="placed", on=ended - 90 * DAY, ended=ended)
        people.place(enrolment, ended + 10 * DAY)
        if n == 0:  # at 6 months one had lost the job: the follow-up, when done, says
            people.follow_up(enrolment, 6, "looking")
            people.follow_up(enrolment, 3, "employed")
    # Someone who completed only 20 days ago is not yet counted as without work, nor at 3 months.
    people.enrol(training, status="completed", on=today - 100 * DAY, ended=today - 20 * DAY)

    card = card_of(today)

    assert (card["working_at_3_months"].value, card["working_at_3_months"].flag) == (1, False)
    assert card["working_at_6_months"].value == pytest.approx(4 / 5) and card["working_at_6_months"].flag is False
    assert (card["trainings_with_partner"].value, card["trainings_with_partner"].flag) == (1, False)
    assert (card["without_work_after_30_days"].value, card["without_work_after_30_days"].flag) == (0, False)
    assert card["without_work_after_30_days"].denominator == 5


# --- 3. Income while training ----------------------------------------------------------------------


def pay(enrolment, days_after, users):
    return StipendPayment.objects.create(
        enrolment=enrolment,
        paid_on=enrolment.enrolled_on + days_after * DAY,
        amount=Decimal(3000),
        currency="THB",
        recorded_by=users["pat"],
    )


def test_long_unpaid_trainings_and_late_first_income_raise_the_flags_of_the_third_failure(
    users, network, people, today
):
    unpaid = option(users, network.trainer, "75", duration_weeks=16)
    paid = option(users, network.trainer, "74", duration_weeks=12, stipend_monthly=Decimal(6000), currency="THB")
    start = today - 100 * DAY
    for status in ("dropped_out", "dropped_out", "dropped_out", "completed", "completed"):
        people.enrol(unpaid, status=status, on=start, ended=start + 60 * DAY)
    for days in (40, 40, 50, 35, 45):
        pay(people.enrol(paid, status="completed", on=start, ended=start + 84 * DAY), days, users)

    card = card_of(today)

    assert (card["long_unpaid_trainings"].value, card["long_unpaid_trainings"].flag) == (1, True)
    assert card["dropout_without_stipend"].value == pytest.approx(3 / 5)
    assert card["dropout_without_stipend"].flag is True
    assert (card["dropout_with_stipend"].value, card["dropout_with_stipend"].flag) == (0, False)
    # 35, 40, 40, 45, 50 days: the median is 40.
    assert (card["days_to_first_income"].value, card["days_to_first_income"].flag) == (40, True)
    assert card["days_to_first_income"].denominator == 5


def test_paid_trainings_with_an_early_first_income_raise_no_flag_of_the_third_failure(users, network, people, today):
    paid = option(users, network.trainer, "74", duration_weeks=12, stipend_monthly=Decimal(6000), currency="THB")
    short = option(users, network.trainer, "72", duration_weeks=3)  # short and unpaid: not flagged
    start = today - 100 * DAY
    for n, days in enumerate((7, 10, 14, 20, 14)):
        enrolment = people.enrol(
            paid, status="dropped_out" if n == 0 else "completed", on=start, ended=start + 30 * DAY
        )
        pay(enrolment, days, users)
    placed = people.enrol(short, status="placed", on=start, ended=start + 21 * DAY)
    people.place(placed, start + 30 * DAY)  # a first income by work, 30 days after enrolment

    card = card_of(today)

    assert (card["long_unpaid_trainings"].value, card["long_unpaid_trainings"].flag) == (0, False)
    assert card["dropout_with_stipend"].value == pytest.approx(1 / 5) and card["dropout_with_stipend"].flag is False
    assert card["dropout_without_stipend"].flag is None  # one person: too few to show
    assert card["dropout_without_stipend"].suppressed
    # 7, 10, 14, 14, 20, 30 days: the median is (14 + 14) / 2.
    assert (card["days_to_first_income"].value, card["days_to_first_income"].flag) == (14, False)


# --- 4. Individual fit ------------------------------------------------------------------------------


def profile(enrolment, assessed_on, wishes):
    return SkillsProfile.objects.update_or_create(
        case=enrolment.case,
        defaults={"assessed_on": assessed_on, "aspirations": [{"isco": w, "mode": "wage_job"} for w in wishes]},
    )


def test_enrolments_without_assessment_nor_wish_and_many_declines_raise_the_flags_of_the_fourth_failure(
    users, network, people, today
):
    wiring = option(users, network.trainer, "74")
    start = today - 30 * DAY
    for n in range(5):
        enrolment = people.enrol(wiring, on=start)
        if n < 2:  # assessed only after enrolment, and wishing for other trades
            profile(enrolment, start + 5 * DAY, ["51", "72", "41", "74"])
    for _ in range(3):
        people.enrol(wiring, status="declined", on=start)

    card = card_of(today)

    assert (card["assessed_first"].value, card["assessed_first"].flag) == (0, True)
    assert (card["in_top_aspirations"].value, card["in_top_aspirations"].flag) == (0, True)
    assert card["declined_offers"].value == pytest.approx(3 / 8) and card["declined_offers"].flag is True
    assert "Too far from home" not in card["declined_offers"].explanation  # the reasons stay on the cases


def test_assessed_people_on_options_they_wished_for_raise_no_flag_of_the_fourth_failure(users, network, people, today):
    wiring = option(users, network.trainer, "74")
    start = today - 30 * DAY
    for n in range(5):
        enrolment = people.enrol(wiring, on=start)
        profile(enrolment, start - 10 * DAY, ["51", "74"] if n % 2 else ["74"])
    people.enrol(wiring, status="declined", on=start)

    card = card_of(today)

    assert (card["assessed_first"].value, card["assessed_first"].flag) == (1, False)
    assert (card["in_top_aspirations"].value, card["in_top_aspirations"].flag) == (1, False)
    assert card["declined_offers"].value == pytest.approx(1 / 6) and card["declined_offers"].flag is False


# --- Scope, suppression ----------------------------------------------------------------------------


def test_fewer_than_k_people_are_suppressed_everywhere_and_shown_from_k_on(users, network, people, today, settings):
    wiring = option(users, network.trainer, "74")
    for _ in range(4):
        people.enrol(wiring, on=today - 10 * DAY)

    card = card_of(today)
    for key in ("assessed_first", "in_top_aspirations", "declined_offers"):
        assert card[key].suppressed and card[key].value is None and card[key].flag is None, key
        assert card[key].as_dict()["value"] is None and card[key].as_dict()["denominator"] is None
    assert card["occupation_groups"].value == 1  # options are no people: never suppressed

    page = client_for(users["ana"]).get(reverse("livelihoods:audit")).content.decode()
    block = page.split('id="indicator-assessed_first"')[1].split("</li>")[0]
    assert "too few people to show" in block and "flag-raised" not in block and "What to do" not in block
    rows = csv_rows(client_for(users["ana"]).get(reverse("livelihoods:audit_csv")))
    row = next(r for r in rows if r["scope"] == "all" and r["indicator"] == "assessed_first")
    assert (row["value"], row["flag"], row["suppressed"], row["denominator"]) == ("", "", "yes", "")

    settings.INSIGHTS_MIN_CELL = 3
    card = card_of(today)
    assert (card["assessed_first"].value, card["assessed_first"].flag) == (0, True)


def test_one_small_provider_in_the_table_hides_the_next_smallest_too(users, network, people, today):
    big = option(users, network.trainer, "74")
    small = option(users, network.alpha, "72")
    for _ in range(6):
        people.enrol(big, on=today - 10 * DAY)
    for _ in range(2):
        people.enrol(small, on=today - 10 * DAY)

    card = scorecard.scorecard(Scope(), today=today)

    total = by_key(card)["assessed_first"]
    assert not total.suppressed and total.denominator == 8
    rows = {row.key: {i.key: i for i in row.indicators} for row in card.providers}
    assert rows["alpha-welfare"]["assessed_first"].suppressed  # 2 people
    # Shown, Gamma's 6 would give Alpha's 2 back as the total less Gamma's.
    assert rows["gamma-training"]["assessed_first"].suppressed
    assert rows["gamma-training"]["occupation_groups"].value == 1


def test_the_scope_counts_only_its_provider_area_and_period(users, network, people, today):
    near = option(users, network.trainer, "74", area="TH-57")
    far = option(users, network.alpha, "72", area="TH-50")
    for _ in range(5):
        people.enrol(near, on=today - 10 * DAY)
        people.enrol(far, on=today - 100 * DAY)

    assert card_of(today)["assessed_first"].denominator == 10
    assert card_of(today, provider=network.trainer)["assessed_first"].denominator == 5
    assert card_of(today, area="TH-50")["assessed_first"].denominator == 5
    assert card_of(today, area="TH")["assessed_first"].denominator == 10
    assert card_of(today, since=today - 50 * DAY)["assessed_first"].denominator == 5
    assert card_of(today, until=today - 50 * DAY)["assessed_first"].denominator == 5
    # With a period, the catalogue is the options offered in it.
    assert card_of(today, since=today - 50 * DAY)["occupation_groups"].value == 1


def test_a_scope_from_typed_arguments_names_the_wrong_one(network):
    assert scorecard.scope_from(provider="gamma-training", area="th-57", since="2026-01-01").provider == network.trainer
    for given, argument in (
        ({"provider": "nobody"}, "provider"),
        ({"area": "XX-99"}, "area"),
        ({"since": "2026-13-01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, "until"),
    ):
        with pytest.raises(scorecard.ScopeError) as refused:
            scorecard.scope_from(**given)
        assert refused.value.argument == argument, given


def test_the_median_of_a_histogram():
    assert scorecard.median({}) is None
    assert scorecard.median({3: 1}) == 3
    assert scorecard.median({1: 1, 5: 1}) == 3
    assert scorecard.median({1: 2, 9: 1}) == 1
    assert scorecard.duncan({("74", True): 5, ("74", False): 5}) == 0
    assert scorecard.duncan({("75", True): 3, ("74", False): 3}) == 1
    assert scorecard.duncan({("75", True): 3}) is None


# --- The page, the file, the command ---------------------------------------------------------------


def csv_rows(response):
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def flagged(users, network, people, today):
    """Five women on an unpaid sewing course with no assessment: flags in three failures."""
    sewing = option(users, network.trainer, "75", duration_weeks=16, seats=12, title="Sewing course")
    return [people.enrol(sewing, on=today - 10 * DAY) for _ in range(5)]


def test_the_page_shows_each_failure_its_flags_in_words_and_what_to_do_and_no_person(users, flagged):
    response = client_for(users["ana"]).get(reverse("livelihoods:audit"))

    assert response.status_code == 200
    body = response.content.decode()
    for number in (1, 2, 3, 4):
        assert f'id="failure-{number}"' in body
    block = body.split('id="indicator-assessed_first"')[1].split("</li>")[0]
    assert "Flagged" in block and "What to do:" in block and "0\u00a0%" in block
    assert 'id="by-provider"' in body and "Gamma Skills Centre" in body and 'id="by-area"' in body
    assert "table-scroll" in body.split('id="by-provider"')[1]
    for enrolment in flagged:
        assert enrolment.case.code not in body
    assert "Person1" not in body and "Kaewmanee" not in body


def test_the_page_filters_by_provider_area_and_period(users, network, flagged, today):
    ana = client_for(users["ana"])
    url = reverse("livelihoods:audit")

    mine = ana.get(url, {"provider": "gamma-training", "area": "TH-57", "since": str(today - 30 * DAY)})
    assert mine.status_code == 200
    assert by_key(mine.context["card"])["assessed_first"].denominator == 5
    assert f"{reverse('livelihoods:audit_csv')}?provider=gamma-training" in mine.content.decode()
    later = ana.get(url, {"since": str(today - 5 * DAY)})
    assert by_key(later.context["card"])["assessed_first"].value is None

    rows = csv_rows(ana.get(reverse("livelihoods:audit_csv"), {"provider": "gamma-training"}))
    assert {r["scope"] for r in rows} == {"all", "provider:gamma-training", "area:TH-57"}


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ({"provider": "nobody"}, "Provider"),
        ({"area": "XX-99"}, "Area of the option"),
        ({"since": "2026-13-45"}, "Start of period"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, "End of period"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_field(users, catalogue, query, label):
    response = client_for(users["ana"]).get(reverse("livelihoods:audit"), query)
    assert response.status_code == 400
    errors = response.content.decode().split('id="filter-errors"')[1].split("</div>")[0]
    assert f"{label}:" in errors
    csv_response = client_for(users["ana"]).get(reverse("livelihoods:audit_csv"), query)
    assert csv_response.status_code == 400 and label in csv_response.content.decode()


def test_the_csv_holds_the_page_figures_for_the_total_each_provider_and_each_area(users, flagged):
    rows = csv_rows(client_for(users["ana"]).get(reverse("livelihoods:audit_csv")))

    assert set(rows[0]) == set(scorecard.CSV_COLUMNS)
    total = {r["indicator"]: r for r in rows if r["scope"] == "all" and r["failure"] != "feedback"}
    assert list(total) == list(scorecard.SPECS)
    assert (total["assessed_first"]["value"], total["assessed_first"]["flag"]) == ("0.0", "yes")
    assert (total["long_unpaid_trainings"]["value"], total["long_unpaid_trainings"]["denominator"]) == ("1", "1")
    assert any(r["scope"] == "provider:gamma-training" for r in rows)
    assert flagged[0].case.code not in "".join(",".join(r.values()) for r in rows)


def test_the_command_prints_the_scorecard_as_json_and_csv(network, flagged):
    out = io.StringIO()
    call_command("audit", "programmes", "--format", "json", "--provider", "gamma-training", stdout=out)
    data = json.loads(out.getvalue())
    assert data["scope"]["provider"] == "gamma-training" and data["min_cell"] == 5
    assert [f["number"] for f in data["failures"]] == [1, 2, 3, 4]
    fit = {i["key"]: i for i in data["failures"][3]["indicators"]}
    assert (fit["assessed_first"]["value"], fit["assessed_first"]["flag"]) == (0.0, True)
    assert [p["key"] for p in data["providers"]] == ["gamma-training"]

    out = io.StringIO()
    call_command("audit", "programmes", "--format", "csv", "--area", "TH-57", "--since", "2020-01-01", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert next(r for r in rows if r["scope"] == "all" and r["indicator"] == "assessed_first")["flag"] == "yes"


@pytest.mark.parametrize(
    ("arguments", "named"),
    [(["--provider", "nobody"], "--provider"), (["--area", "ZZ"], "--area"), (["--since", "soon"], "--since")],
)
def test_the_command_refuses_a_bad_argument_naming_it(db, arguments, named):
    with pytest.raises(CommandError, match=named):
        call_command("audit", "programmes", *arguments, stdout=io.StringIO())


def test_the_page_takes_the_same_queries_for_more_people_and_providers(users, network, people, today):
    wiring = option(users, network.trainer, "74")
    elsewhere = option(users, network.alpha, "72", area="TH-50")
    ana = client_for(users["ana"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert ana.get(reverse("livelihoods:audit")).status_code == 200
        return len(captured)

    for each in (wiring, elsewhere):
        people.enrol(each, on=today - 10 * DAY)
    few = queries()
    for each in (wiring, elsewhere):
        for status in ("completed", "dropped_out", "declined"):
            people.enrol(each, status=status, on=today - 100 * DAY, ended=today - 60 * DAY)
    assert queries() == few


@pytest.mark.parametrize("name", ["provider", "area", "since", "until"])
@pytest.mark.parametrize("value", [hostile.NUL, hostile.SCRIPT, hostile.SQL, hostile.TOO_LONG])
def test_the_filters_take_the_hostile_corpus_with_a_400_and_never_show_it_raw(users, catalogue, name, value):
    for url in (reverse("livelihoods:audit"), reverse("livelihoods:audit_csv")):
        response = client_for(users["ana"]).get(url, {name: value.value})
        assert response.status_code == 400, (url, name, value.name)
        if value.needs_escaping and response["Content-Type"].startswith("text/html"):
            assert value.value not in response.content.decode()
