"""The Network dashboard (issue 13): the coverage map's gaps, and referrals by pathway, counted by
hand on referrals built through the services, with their small cells suppressed."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.access import insights_scope_for_user
from reintegra.insights import network
from reintegra.insights.cubes import Figure
from reintegra.insights.filters import Filters
from reintegra.lib import clock, geo
from reintegra.referrals import services as referral_services
from reintegra.referrals.models import Referral

from ..cases.conftest import refer, share_with
from ..conftest import api_client_for, client_for
from .factory import returned

PAGE = "/insights/network/"
API = "/api/v1/insights/referrals/"
SENT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
LATER = SENT + datetime.timedelta(days=5)
TODAY = SENT + datetime.timedelta(days=30)
WELFARE = "Social welfare → Social welfare"
TRAINING = "Social welfare → Training provider"


def at(moment: datetime.datetime, days: int = 0) -> datetime.datetime:
    return moment + datetime.timedelta(days=days)


def sent(users, to, *, when=SENT, gender="Feminine") -> Referral:
    """Alpha refers a returned person of its own to `to`, under the person's consent."""
    case = returned(users["alice"], gender=gender, home_area="TH-57")
    share_with(users["alice"], case, to, categories=["profile"])
    with clock.running_at(when):
        return refer(users["alice"], case, to, categories=["profile"])


def move(
    referral: Referral, actor, name: str, *, when: datetime.datetime, reason: str = "", code: str = ""
) -> Referral:
    with clock.running_at(when):
        return referral_services.referral_move(
            actor=actor, referral=referral, move=name, reason=reason, decline_reason=code
        )


@pytest.fixture
def referrals(users, network):
    """Alpha (social welfare) refers ten people.

    To Beta (social welfare), sent 2 March: two accepted (after 2 and 4 days) and completed (after 10
    and 20 days), two declined for want of capacity (after 1 and 3 days), two never answered.
    To Gamma (training provider), sent 7 March, men: two accepted (after 1 and 3 days), two never
    answered.
    """
    bob, pat = users["bob"], users["pat"]
    for answer, done in ((2, 10), (4, 20)):
        referral = move(sent(users, network.beta), bob, "accept", when=at(SENT, answer))
        move(referral, bob, "complete", when=at(SENT, done))
    for answer in (1, 3):
        move(sent(users, network.beta), bob, "decline", when=at(SENT, answer), reason="No place.", code="no_capacity")
    sent(users, network.beta)
    sent(users, network.beta)
    for answer in (1, 3):
        move(sent(users, network.trainer, when=LATER, gender="Masculine"), pat, "accept", when=at(LATER, answer))
    sent(users, network.trainer, when=LATER, gender="Masculine")
    sent(users, network.trainer, when=LATER, gender="Masculine")


@pytest.fixture
def small_cells(settings):
    settings.INSIGHTS_MIN_CELL = 2


def figures(filters: Filters | None = None) -> dict[str, Figure]:
    with clock.running_at(TODAY):
        return {f.key: f for f in network.figures(filters or Filters())}


def table(figure: Figure) -> dict[str, list]:
    """The figure's table as {row label: [cell values, "suppressed" where hidden]}."""
    return {row.label: ["suppressed" if c.suppressed else c.value for c in row.cells] for row in figure.table.rows}


# --- Referrals by pathway --------------------------------------------------------------------------


def test_referrals_are_counted_by_pathway_and_outcome(referrals, small_cells):
    pathways = table(figures()["network-pathways"])
    # sent, accepted, declined, waiting, ended before an answer, acceptance rate
    assert pathways == {
        WELFARE: [6, 2, 2, 2, 0, 0.5],
        TRAINING: [4, 2, 0, 2, 0, 1.0],
        "All pathways": [10, 4, 2, 4, 0, 0.6667],
    }


def test_a_referral_cancelled_before_an_answer_counts_as_ended(referrals, users, network, small_cells):
    for _ in range(2):
        move(sent(users, network.beta), users["alice"], "cancel", when=at(SENT, 1), reason="Moved away.")
    assert table(figures()["network-pathways"])[WELFARE] == [8, 2, 2, 2, 2, 0.5]


def test_days_to_answer_and_to_complete_are_medians_per_pathway(referrals, small_cells):
    timing = table(figures()["network-timing"])
    # completed, median days to answer, median days to complete
    assert timing == {
        WELFARE: [2, 2.5, 15.0],  # answers after 1, 2, 3 and 4 days; completions after 10 and 20
        TRAINING: [0, 2.0, None],  # answers after 1 and 3 days; nothing completed
        "All pathways": [2, 2.5, 15.0],  # 1, 1, 2, 3, 3, 4
    }


def test_declines_are_counted_by_their_coded_reason_never_by_their_words(referrals, users, network, small_cells):
    for _ in range(2):
        move(sent(users, network.trainer), users["pat"], "decline", when=at(SENT, 1), reason="Our course is full.")
    figure = figures()["network-declines"]
    assert table(figure) == {
        "No place or capacity at present": [2, 0.5],
        "reason not given": [2, 0.5],
        "All declines": [4, 1.0],
    }
    assert "full" not in json.dumps(figure.as_dict())


def test_the_referrals_waiting_longest_are_counted_by_receiving_agency(referrals, small_cells):
    waiting = table(figures()["network-waiting"])
    assert waiting == {
        f"{WELFARE}: Beta DSWD Office": [2, 30],
        f"{TRAINING}: Gamma Skills Centre": [2, 25],
        "All waiting referrals": [4, 30],
    }
    assert list(waiting)[0].startswith(WELFARE)  # the longest wait first


def test_the_period_counts_referrals_by_the_day_they_were_sent(referrals, small_cells):
    pathways = table(figures(Filters(since=LATER.date()))["network-pathways"])
    assert pathways == {TRAINING: [4, 2, 0, 2, 0, 1.0], "All pathways": [4, 2, 0, 2, 0, 1.0]}
    assert table(figures(Filters(until=SENT.date()))["network-timing"])["All pathways"] == [2, 2.5, 15.0]


@pytest.mark.parametrize(
    "chosen", [{"gender": "Masculine"}, {"gender": "Masculine", "country": "TH", "age": "25-34", "area": "TH-57"}]
)
def test_a_chosen_filter_reads_its_slice_in_every_figure(referrals, small_cells, chosen):
    chosen = figures(Filters(chosen=chosen))
    assert table(chosen["network-pathways"]) == {
        TRAINING: [4, 2, 0, 2, 0, 1.0],
        "All pathways": [4, 2, 0, 2, 0, 1.0],
    }
    assert table(chosen["network-timing"])["All pathways"] == [0, 2.0, None]
    assert table(chosen["network-waiting"]) == {
        f"{TRAINING}: Gamma Skills Centre": [2, 25],
        "All waiting referrals": [2, 25],
    }


def test_a_supervisor_counts_the_referrals_of_their_agencys_cases_only(referrals, users):
    scope = insights_scope_for_user(users["bella"])  # Beta received them, but the cases are Alpha's
    assert table(figures(Filters(agency_id=scope.agency_id))["network-pathways"]) == {"All pathways": [0] * 5 + [None]}


def test_small_cells_are_suppressed_with_the_cells_that_would_give_them_back(referrals):
    """k = 5 (the default): each pathway counts fewer than 5 of every outcome. Its total, 6 beside
    the 4 of the other pathway, would give that one back from the total of 10: both are hidden."""
    figure = figures()
    pathways = table(figure["network-pathways"])
    hidden = "suppressed"
    assert pathways[WELFARE] == [hidden, hidden, hidden, hidden, 0, hidden]  # zeros are shown: nobody is nobody
    assert pathways[TRAINING] == [hidden, hidden, 0, hidden, 0, hidden]
    assert pathways["All pathways"] == [10, "suppressed", "suppressed", "suppressed", 0, "suppressed"]
    timing = table(figure["network-timing"])
    assert timing[WELFARE] == ["suppressed", "suppressed", "suppressed"]  # 4 answers, 2 completions
    assert timing["All pathways"] == ["suppressed", 2.5, "suppressed"]  # the median of 6 answers is shown
    assert table(figure["network-waiting"])["All waiting referrals"] == ["suppressed", "suppressed"]
    assert table(figure["network-declines"]) == {
        "No place or capacity at present": ["suppressed", "suppressed"],
        "All declines": ["suppressed", "suppressed"],
    }


def test_nothing_sent_counts_zero_and_shows_no_median(users, small_cells):
    figure = figures()
    assert table(figure["network-pathways"]) == {"All pathways": [0, 0, 0, 0, 0, None]}
    assert table(figure["network-timing"]) == {"All pathways": [0, None, None]}
    assert table(figure["network-waiting"]) == {"All waiting referrals": [0, None]}
    assert table(figure["network-declines"]) == {"All declines": [0, None]}
    assert figure["network-declines"].chart is None


# --- Coverage --------------------------------------------------------------------------------------


def test_the_coverage_figure_counts_the_areas_no_agency_serves_by_stage(users):
    """In Thailand Alpha serves Chiang Rai (identification, reintegration), Gamma Chiang Rai and
    Chiang Mai (reintegration), the ministry the whole country (return); nobody offers shelter."""
    areas = len(geo.leaf_areas("TH"))
    figure = figures()["network-coverage"]
    assert figure.title == "Coverage of Thailand by stage"
    assert table(figure) == {
        "Identification": [1, areas - 1, round(1 / areas, 4)],
        "Return": [areas, 0, 1.0],
        "Shelter & assistance": [0, areas, 0.0],
        "Reintegration assistance": [2, areas - 2, round(2 / areas, 4)],
    }
    assert figure.links == [("/network/coverage/?country=TH", "Open the full coverage map")]


def test_the_gaps_list_each_area_with_the_agencies_serving_it_by_stage(users):
    gaps = figures()["network-coverage-gaps"]
    rows = table(gaps)
    assert len(rows) == len(geo.leaf_areas("TH"))  # shelter is a gap everywhere
    chiang_rai = next(label for label in rows if label.startswith(geo.area_name("TH-57")))
    assert rows[chiang_rai] == [1, 1, 0, 2]
    assert list(rows)[-1] == chiang_rai  # the fewest gaps last
    assert gaps.table.columns == ["Identification", "Return", "Shelter & assistance", "Reintegration assistance"]


def test_the_coverage_is_of_the_chosen_country_or_area(users):
    assert figures(Filters(chosen={"country": "PH"}))["network-coverage"].title == "Coverage of Philippines by stage"
    rows = table(figures(Filters(chosen={"area": "TH-57"}))["network-coverage-gaps"])
    assert len(rows) == 1 and next(iter(rows.values())) == [1, 1, 0, 2]
    outside = figures(Filters(chosen={"country": "SA"}))["network-coverage"]  # no agency works there
    assert outside.links == [] and table(outside)["Return"][0] == 0


def test_a_supervisor_sees_the_coverage_of_their_agencys_country(users):
    scope = insights_scope_for_user(users["bella"])
    assert "Philippines" in figures(Filters(agency_id=scope.agency_id))["network-coverage"].title


# --- The page, the CSV, the API, and who reads them -------------------------------------------------


@pytest.mark.parametrize("persona", ["ana", "cora", "sam"])
def test_the_readers_of_insights_open_the_dashboard(referrals, users, persona):
    response = client_for(users[persona]).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="network-pathways"' in page and 'id="network-coverage-gaps"' in page
    assert "<svg" in page and 'href="/network/coverage/?country=TH"' in page


@pytest.mark.parametrize("persona", ["alice", "pat", "charlie"])
def test_other_roles_are_refused(referrals, users, persona):
    assert client_for(users[persona]).get(PAGE).status_code == 403
    assert client_for(users[persona]).get(f"{PAGE}network-pathways.csv").status_code == 403
    assert api_client_for(users[persona]).get(API).status_code == 403


def test_the_page_takes_its_filters_and_refuses_a_bad_one(referrals, users, small_cells):
    client = client_for(users["ana"])
    filtered = client.get(PAGE, {"gender": "Masculine", "since": "2026-03-01"})
    assert filtered.status_code == 200
    assert WELFARE not in filtered.content.decode() and TRAINING in filtered.content.decode()
    assert client.get(PAGE, {"since": "the second of March"}).status_code == 400
    assert client.get(PAGE, {"since": "2026-03-10", "until": "2026-03-01"}).status_code == 400


def test_the_csv_of_a_figure_gives_its_table(referrals, users, small_cells):
    response = client_for(users["ana"]).get(f"{PAGE}network-pathways.csv", {"gender": "Masculine"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Pathway,Referrals sent,Accepted,Declined")
    assert lines[1] == f"{TRAINING},4,2,0,2,0,1.0"
    assert lines[2] == "All pathways,4,2,0,2,0,1.0"


def test_the_csv_marks_suppressed_cells(referrals, users):
    lines = client_for(users["ana"]).get(f"{PAGE}network-pathways.csv").content.decode("utf-8-sig").splitlines()
    assert f"{WELFARE},suppressed,suppressed,suppressed,suppressed,0,suppressed" in lines


def test_the_api_gives_the_figures_with_the_pages_filters(referrals, users, small_cells):
    response = api_client_for(users["cora"]).get(API, {"gender": "Masculine"})
    assert response.status_code == 200
    body = response.json()
    assert body["dashboard"] == "referrals" and body["filters"] == {"gender": "Masculine"}
    pathways = next(f for f in body["figures"] if f["key"] == "network-pathways")
    assert pathways["table"]["rows"][0]["label"] == TRAINING
    assert pathways["table"]["rows"][0]["cells"][0] == {"value": 4, "suppressed": False}
    assert api_client_for(users["cora"]).get(API, {"age": "ancient"}).status_code == 400


def test_no_page_of_the_dashboard_names_a_person_or_a_case(referrals, users):
    page = client_for(users["ana"]).get(PAGE).content.decode()
    api = json.dumps(api_client_for(users["ana"]).get(API).json())
    for referral in Referral.objects.select_related("case__returnee"):
        for text in (page, api):
            assert referral.case.code not in text
            assert referral.case.returnee.given_name not in text


def test_the_figures_take_as_many_queries_for_more_referrals(referrals, users, network):
    chosen = Filters(chosen={"gender": "Masculine", "country": "TH"})
    with CaptureQueriesContext(connection) as few:
        figures(chosen)
    for _ in range(3):
        move(sent(users, network.trainer, gender="Masculine"), users["pat"], "accept", when=at(SENT, 2))
        move(sent(users, network.beta, gender="Masculine"), users["bob"], "decline", when=at(SENT, 2), reason="x")
    with CaptureQueriesContext(connection) as more:
        figures(chosen)
    assert len(more) == len(few)


def test_the_pathways_are_read_in_two_queries_from_the_index_alone_on_postgresql(transactional_db, users, network):
    """Every figure of the pathways comes from two grouped reads (the agencies' ids, not their types: no
    join), which PostgreSQL answers from `referral_sent_figures` without reading the rows (at a million
    referrals about 1 s where six reads joined to the agencies took 4 s)."""
    from django.db import transaction

    from reintegra.insights import network as pathways  # the fixture `network` is the agencies

    move(sent(users, network.beta), users["bob"], "accept", when=at(SENT, 2))
    with CaptureQueriesContext(connection) as reads:
        pathways.sent(Filters())
    assert [q["sql"].count("referrals_referral") > 0 for q in reads].count(True) == 2
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's to read alone; SQLite reads a few referrals whole")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE referrals_referral")
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for query in (pathways.by_outcome(Filters()), pathways.by_completion(Filters())):
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    for plan in plans:
        assert "Index Only Scan using referral_sent_figures" in plan and "Join" not in plan, plan
