"""The privacy of the insights, through the pages, the CSV and the API of the Returns dashboard (issue 13,
"Privacy of aggregates", "API", "Tests must show"): small cells and the cells that would give them back
are suppressed, alike on the page, in the CSV and in the API; flipping a filter gives nothing back; the
figures count by hand; only analysts, coordinators and supervisors (their own agency) read them; an
analyst or a coordinator reaches no route that shows personal data; a bad filter is a 400 naming it."""

import copy
import csv
import datetime
import io
import itertools
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import resolve

from reintegra.accounts.reads import declared

from ..cases.conftest import IDENTITY
from ..conftest import api_client_for, client_for
from ..test_route_matrix import REFUSED, ROUTES, _ask, _build_world
from .factory import many, returned

PAGE = "/insights/returns/"
API = "/api/v1/insights/returns/"
Q1 = "Q1 2026"
ALL_QUARTERS = "All quarters"
MARCH = datetime.date(2026, 3, 10)
MAY = datetime.date(2026, 5, 4)


def csv_url(figure: str) -> str:
    return f"{PAGE}{figure}.csv"


def api_figures(user, **params: str) -> dict[str, dict[str, Any]]:
    response = api_client_for(user).get(API, params)
    assert response.status_code == 200, response.content
    return {figure["key"]: figure for figure in response.json()["figures"]}


def grid(figure: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """A figure's table from the API by (row label, column name): {"value": …, "suppressed": …}."""
    table = figure["table"]
    return {
        (row["label"], column): cell
        for row in table["rows"]
        for column, cell in zip(table["columns"], row["cells"], strict=True)
    }


def values(figure: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """The same, with a suppressed cell as the word "suppressed"."""
    return {key: "suppressed" if cell["suppressed"] else cell["value"] for key, cell in grid(figure).items()}


def csv_rows(user, figure: str, **params: str) -> list[list[str]]:
    response = client_for(user).get(csv_url(figure), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def small_cells(settings):
    settings.INSIGHTS_MIN_CELL = 2


# --- Small cells and the cells that give them back ----------------------------------------------------------


@pytest.fixture
def six_and_two(users):
    """Six women returned from Malaysia and two from Saudi Arabia, all in March 2026, deported."""
    many(users["alice"], 6, country_from="MY")
    many(users["alice"], 2, country_from="SA")


def test_the_small_cell_its_total_and_the_cells_that_would_give_it_back_are_suppressed_in_the_api(users, six_and_two):
    by_country = values(api_figures(users["ana"])["returns-by-country"])
    assert by_country == {
        # SA's 2, and Malaysia's 6, which the total 8 would otherwise give SA back from.
        (Q1, "Malaysia"): "suppressed",
        (Q1, "Saudi Arabia"): "suppressed",
        (Q1, "Total"): 8,
        (ALL_QUARTERS, "Malaysia"): "suppressed",
        (ALL_QUARTERS, "Saudi Arabia"): "suppressed",
        (ALL_QUARTERS, "Total"): 8,
    }
    cell = grid(api_figures(users["ana"])["returns-by-country"])[(Q1, "Saudi Arabia")]
    assert cell == {"value": None, "suppressed": True}  # never a zero, never the number


def test_the_page_marks_the_same_cells_suppressed(users, six_and_two):
    page = client_for(users["ana"]).get(PAGE).content.decode()
    section = page[page.index('id="returns-by-country"') :]
    table = section[section.index("<table") : section.index("</table>")]
    assert table.count('class="num suppressed">suppressed</td>') == 4
    assert '<td class="num">8</td>' in table
    assert ">6<" not in table and ">2<" not in table


def test_the_csv_marks_the_same_cells_suppressed(users, six_and_two):
    rows = csv_rows(users["ana"], "returns-by-country")
    assert rows[0] == ["Quarter of return", "Malaysia", "Saudi Arabia", "Total"]
    assert rows[1] == [Q1, "suppressed", "suppressed", "8"]
    assert rows[2] == [ALL_QUARTERS, "suppressed", "suppressed", "8"]
    assert rows[3] == []
    assert "fewer than 5 people" in rows[4][0]


def test_with_the_default_threshold_a_figure_of_four_people_is_all_suppressed(users):
    many(users["alice"], 4, country_from="MY", exploitation=["ForcedLabour"])
    figures = api_figures(users["cora"])
    assert set(values(figures["returns-by-country"]).values()) == {"suppressed"}
    assert set(values(figures["returns-form"]).values()) == {"suppressed"}
    assert set(values(figures["returns-gender-age"]).values()) <= {"suppressed", 0}


@pytest.fixture
def flip(users):
    """March 2026: from Malaysia 6 women and 2 men; from Saudi Arabia 7 women and 8 men."""
    many(users["alice"], 6, country_from="MY", gender="Feminine")
    many(users["alice"], 2, country_from="MY", gender="Masculine")
    many(users["alice"], 7, country_from="SA", gender="Feminine")
    many(users["alice"], 8, country_from="SA", gender="Masculine")


def test_flipping_the_gender_filter_gives_no_cell_back(users, flip):
    ana = users["ana"]
    unfiltered = values(api_figures(ana)["returns-by-country"])
    women = values(api_figures(ana, gender="Feminine")["returns-by-country"])
    men = values(api_figures(ana, gender="Masculine")["returns-by-country"])
    assert unfiltered[(Q1, "Malaysia")] == 8 and unfiltered[(Q1, "Saudi Arabia")] == 15
    # The men from Malaysia (2) would be Malaysia's 8 less its women: both views suppress it.
    assert men[(Q1, "Malaysia")] == "suppressed"
    assert women[(Q1, "Malaysia")] == "suppressed"
    # and the men from Saudi Arabia, which the men's total (10) would give Malaysia's 2 back from.
    assert men[(Q1, "Saudi Arabia")] == "suppressed" and men[(Q1, "Total")] == 10
    assert women[(Q1, "Saudi Arabia")] == "suppressed" and women[(Q1, "Total")] == 13
    # Every equation a reader can write leaves Malaysia's men anywhere from 1 to 7.
    for view in (women, men):
        assert view[(ALL_QUARTERS, "Malaysia")] == "suppressed"


def test_no_cell_can_be_computed_from_the_unfiltered_and_the_filtered_views(users):
    """Malaysia: 10 women, 2 men; Saudi Arabia: 8 men; Indonesia: 5 women (March 2026). The men's
    view hides Malaysia's 2 and Saudi Arabia's 8 and shows their total 10; the unfiltered view shows
    Saudi Arabia's 8 and the women's view has no Saudi Arabian woman: 10 − (8 − 0) gives the 2 back."""
    many(users["alice"], 10, country_from="MY", gender="Feminine")
    many(users["alice"], 2, country_from="MY", gender="Masculine")
    many(users["alice"], 8, country_from="SA", gender="Masculine")
    many(users["alice"], 5, country_from="ID", gender="Feminine")
    ana = users["ana"]
    unfiltered = values(api_figures(ana)["returns-by-country"])
    women = values(api_figures(ana, gender="Feminine")["returns-by-country"])
    men = values(api_figures(ana, gender="Masculine")["returns-by-country"])
    assert men[(Q1, "Malaysia")] == "suppressed"
    needed = [unfiltered[(Q1, "Saudi Arabia")], women.get((Q1, "Saudi Arabia"), 0), men[(Q1, "Total")]]
    if "suppressed" in needed:
        return  # the reader cannot write the subtraction
    saudi_men = unfiltered[(Q1, "Saudi Arabia")] - women.get((Q1, "Saudi Arabia"), 0)
    indonesian_men = men.get((Q1, "Indonesia"), 0)
    computed = men[(Q1, "Total")] - saudi_men - indonesian_men
    assert computed != 2, "Malaysia's men computed back from three views"


# --- Each figure, counted by hand ---------------------------------------------------------------------------


@pytest.fixture
def programme(users):
    """Alpha's returns (Beta's are another agency's, for the supervisor's tests):

    March 2026: 4 women from Malaysia, 30, deported, forced labour in agriculture, owing 5,000 baht,
    4,000 baht, nothing and nothing; 2 men from Malaysia, 40, deported, forced labour and servitude in
    manufacturing, owing 10,000 baht each.
    May 2026: 2 women from Saudi Arabia, 20, assisted voluntary return, sexual exploitation, no history.
    Beta, March 2026: 3 men from Malaysia, 52, deported.
    """
    alice, bob = users["alice"], users["bob"]
    agriculture = "A_AgricultureForestryAndFishing"
    for debt in ("5000", "4000", "0", "0"):
        returned(alice, age=30, exploitation=["ForcedLabour"], industry=agriculture, debt=debt)
    many(
        alice,
        2,
        gender="Masculine",
        age=40,
        exploitation=["ForcedLabour", "Servitude"],
        industry="C_Manufacturing",
        debt="10000",
    )
    many(
        alice,
        2,
        age=20,
        country_from="SA",
        returned_on=MAY,
        return_type="assisted_voluntary",
        exploitation=["SexualExploitation"],
    )
    many(bob, 3, gender="Masculine", age=52, citizenship="PH")


def test_returns_by_country_counted_by_hand(users, programme, small_cells):
    assert values(api_figures(users["ana"])["returns-by-country"]) == {
        (Q1, "Malaysia"): 9,
        (Q1, "Saudi Arabia"): 0,
        (Q1, "Total"): 9,
        ("Q2 2026", "Malaysia"): 0,
        ("Q2 2026", "Saudi Arabia"): 2,
        ("Q2 2026", "Total"): 2,
        (ALL_QUARTERS, "Malaysia"): 9,
        (ALL_QUARTERS, "Saudi Arabia"): 2,
        (ALL_QUARTERS, "Total"): 11,
    }


def test_returns_by_type_counted_by_hand(users, programme, small_cells):
    assert values(api_figures(users["ana"])["returns-by-type"]) == {
        (Q1, "Assisted voluntary return"): 0,
        (Q1, "Deportation or other forced return"): 9,
        (Q1, "Total"): 9,
        ("Q2 2026", "Assisted voluntary return"): 2,
        ("Q2 2026", "Deportation or other forced return"): 0,
        ("Q2 2026", "Total"): 2,
        (ALL_QUARTERS, "Assisted voluntary return"): 2,
        (ALL_QUARTERS, "Deportation or other forced return"): 9,
        (ALL_QUARTERS, "Total"): 11,
    }


def test_forms_and_sectors_of_exploitation_counted_by_hand(users, programme, small_cells):
    figures = api_figures(users["ana"])
    # A person exploited in two forms counts under each: the two men under forced labour and servitude.
    assert values(figures["returns-form"]) == {
        ("Forced labour", "People"): 6,
        ("Sexual exploitation", "People"): 2,
        ("Servitude", "People"): 2,
    }
    # The women of May have an exploitation recorded without a sector.
    assert values(figures["returns-sector"]) == {
        ("A. Agriculture, forestry and fishing", "People"): 4,
        ("C. Manufacturing", "People"): 2,
        ("not recorded", "People"): 2,
    }


def test_debt_counted_by_hand(users, programme, small_cells):
    debt = values(api_figures(users["ana"])["returns-debt"])
    # Six people have a debt recorded in baht, four owe: the median of 4,000, 5,000, 10,000, 10,000.
    assert debt == {
        ("THB", "People with a debt recorded"): 6,
        ("THB", "Share who owe"): 0.6667,
        ("THB", "Median debt of those who owe"): 7500.0,
    }


def test_gender_and_age_counted_by_hand(users, programme, small_cells):
    figure = values(api_figures(users["ana"])["returns-gender-age"])
    assert figure[("25 to 34", "Woman")] == 4
    assert figure[("18 to 24", "Woman")] == 2
    assert figure[("35 to 49", "Man")] == 2
    assert figure[("50 and over", "Man")] == 3  # Beta's, in the whole network
    assert figure[("All ages", "Woman")] == 6 and figure[("All ages", "Man")] == 5
    assert figure[("All ages", "Total")] == 11
    assert figure[("under 18", "Total")] == 0


def test_the_period_and_a_filter_narrow_every_figure(users, programme, small_cells):
    figures = api_figures(users["ana"], since="2026-04-01", until="2026-06-30")
    assert values(figures["returns-by-country"])[(ALL_QUARTERS, "Total")] == 2
    figures = api_figures(users["ana"], gender="Masculine")
    assert values(figures["returns-by-country"]) == {
        (Q1, "Malaysia"): 5,
        (Q1, "Total"): 5,
        (ALL_QUARTERS, "Malaysia"): 5,
        (ALL_QUARTERS, "Total"): 5,
    }
    assert values(figures["returns-debt"])[("THB", "People with a debt recorded")] == 2
    rows = csv_rows(users["ana"], "returns-by-country", gender="Masculine")
    assert rows[1] == [Q1, "5", "5"]


# --- Who reads them -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["ana", "cora", "sam", "bella"])
def test_analysts_coordinators_and_supervisors_read_the_insights(users, persona, six_and_two):
    user = users[persona]
    assert client_for(user).get("/insights/").status_code == 200
    assert client_for(user).get(PAGE).status_code == 200
    assert client_for(user).get(csv_url("returns-by-country")).status_code == 200
    assert api_client_for(user).get(API).status_code == 200


@pytest.mark.parametrize("persona", ["alice", "bob", "pat", "charlie"])
def test_caseworkers_providers_and_accounts_without_a_role_are_refused(users, persona, six_and_two):
    user = users[persona]
    for url in ("/insights/", PAGE, csv_url("returns-by-country")):
        response = client_for(user).get(url)
        assert response.status_code == 403, url
        assert b"Malaysia" not in response.content
    assert api_client_for(user).get(API).status_code == 403


def test_anonymous_is_sent_to_sign_in_and_the_api_refuses_it(six_and_two):
    for url in ("/insights/", PAGE, csv_url("returns-by-country")):
        response = client_for(None).get(url)
        assert response.status_code == 302 and urlsplit(response["Location"]).path == "/login/", url
    assert api_client_for(None).get(API).status_code in (401, 403)


def test_a_supervisor_counts_the_cases_of_their_own_agency_only(users, programme, small_cells):
    """Sam (Alpha): Alpha's eight returns; Beta's three men of 52 are not his to count, even when he asks
    for Beta's."""
    for params in ({}, {"agency": "beta-dswd"}, {"agency": "no-such-agency"}):
        figures = api_figures(users["sam"], **params)
        assert values(figures["returns-by-country"])[(ALL_QUARTERS, "Total")] == 8, params
        gender_age = values(figures["returns-gender-age"])
        assert gender_age[("50 and over", "Total")] == 0 and gender_age[("All ages", "Man")] == 2
    page = client_for(users["sam"]).get(PAGE, {"agency": "beta-dswd"}).content.decode()
    assert (
        'name="agency"' in page
        and "disabled" in page[page.index('name="agency"') - 200 : page.index('name="agency"') + 200]
    )
    assert "Beta DSWD Office" not in page
    # Bella (Beta) counts her three and none of Alpha's.
    figures = api_figures(users["bella"])
    assert values(figures["returns-by-country"])[(ALL_QUARTERS, "Total")] == 3
    rows = csv_rows(users["bella"], "returns-by-country")
    assert rows[-3][-1] == "3"


def test_the_analyst_chooses_any_agency(users, programme, small_cells):
    alpha = api_figures(users["ana"], agency="alpha-welfare")
    beta = api_figures(users["ana"], agency="beta-dswd")
    assert values(alpha["returns-by-country"])[(ALL_QUARTERS, "Total")] == 8
    assert values(beta["returns-by-country"])[(ALL_QUARTERS, "Total")] == 3


# --- No personal data for analysts and coordinators, on any route --------------------------------------------


def personal(url: str) -> bool:
    match = resolve(urlsplit(url).path)
    return bool(declared(match.func, match.namespaces))


class _Ids(dict):
    """Any id the route table names, for resolving its URLs without the world."""

    def __missing__(self, key: str) -> str:
        return "1"


def _personal_rows():
    return [row for row in ROUTES if row.name != "admin:*" and personal(row.url.format_map(_Ids()))]


def test_the_route_table_declares_personal_routes_to_walk():
    names = {row.name for row in _personal_rows()}
    assert {"cases:detail", "api:case-detail", "plans:plan", "referrals:detail"} <= names
    assert not names & {"insights:index", "insights:dashboard", "insights:figure_csv", "api:insights-returns"}


def test_analysts_and_coordinators_reach_no_route_that_shows_personal_data(db):
    """Every route declared personal (reintegra/accounts/reads.py), in the route matrix's world and as
    it requests them (GET, and an empty body to a route that writes): refused, or answered without
    Alpha's case in it (a list of what they may see; an empty write refused by validation)."""
    world = _build_world()
    world["clients"] = {
        p: (client_for(world["users"][p]), api_client_for(world["users"][p])) for p in ("analyst", "coord")
    }
    world["cookies"] = {p: copy.deepcopy(web.cookies) for p, (web, _api) in world["clients"].items()}
    code = str(world["ids"]["case"])
    problems = []
    for persona, row in itertools.product(("analyst", "coord"), _personal_rows()):
        url = row.url.format(**world["ids"])
        for method in ("get", *((row.method,) if row.write is not None else ())):
            answer, _wrote, response = _ask(world, persona, method, url)
            if answer in REFUSED:
                continue
            shown = response.content.decode()
            names_no_one = code not in shown and IDENTITY["given_name"] not in shown
            if answer == 200 and row.sees is not None and names_no_one:
                continue  # a list of what they may see: none of Alpha's people
            if answer == 400 and method != "get" and names_no_one:
                continue  # an empty write refused by validation: the fields it lacks, nobody's data
            problems.append(f"{persona} {method.upper()} {url}: {answer}")
    assert not problems, "\n".join(problems)


# --- Bad filters: 400 naming the field, never 500 ---------------------------------------------------------------

BAD_FILTERS = [
    ({"gender": "Unknown"}, "gender"),
    ({"since": "2026-13-45"}, "since"),
    ({"until": "yesterday"}, "until"),
    ({"since": "2026-05-01", "until": "2026-04-01"}, "until"),
    ({"country": "x" * 10_000}, "country"),
    ({"area": "TH-" + "9" * 10_000}, "area"),
    ({"age": "200+"}, "age"),
    ({"agency": "no-such-agency"}, "agency"),
    ({"country": "ZZ"}, "country"),
    ({"area": "XX-99"}, "area"),
]


@pytest.mark.parametrize(("params", "field"), BAD_FILTERS, ids=[f"{f}-{i}" for i, (_p, f) in enumerate(BAD_FILTERS)])
def test_a_bad_filter_is_a_400_naming_it_on_the_page_the_csv_and_the_api(users, params, field):
    ana = users["ana"]
    page = client_for(ana).get(PAGE, params)
    assert page.status_code == 400
    assert f'id="id_{field}-error"' in page.content.decode()
    csv_response = client_for(ana).get(csv_url("returns-by-country"), params)
    assert csv_response.status_code == 400
    assert csv_response.content.decode().startswith(f"{field}: ") or f"; {field}: " in csv_response.content.decode()
    api_response = api_client_for(ana).get(API, params)
    assert api_response.status_code == 400
    assert list(api_response.json()["error"]["fields"]) == [field]


def test_a_nul_is_refused_before_any_filter_is_read(users):
    """The project refuses a NUL anywhere in a request (a 400 saying so) before the view runs."""
    ana = users["ana"]
    for params in ({"gender": "Feminine\x00"}, {"since": "2026-01-01\x00"}, {"agency": "\x00"}):
        for response in (
            client_for(ana).get(PAGE, params),
            client_for(ana).get(csv_url("returns-by-country"), params),
            api_client_for(ana).get(API, params),
        ):
            assert response.status_code == 400, params
            assert "NUL" in response.content.decode()


def test_a_query_string_with_a_nul_or_ten_thousand_characters_is_never_a_500(users):
    ana = users["ana"]
    for query in ("gender=%00", "since=%00%00", "age=" + "9" * 10_000, "country=%FF%FE", "until=2026-02-30"):
        assert client_for(ana).get(f"{PAGE}?{query}").status_code == 400, query
        assert client_for(ana).get(f"{csv_url('returns-by-country')}?{query}").status_code == 400, query
        assert api_client_for(ana).get(f"{API}?{query}").status_code == 400, query


def test_an_unknown_dashboard_or_figure_is_a_404(users):
    ana = users["ana"]
    assert client_for(ana).get("/insights/nothing/").status_code == 404
    assert client_for(ana).get(csv_url("nothing")).status_code == 404
    assert client_for(ana).get("/insights/nothing/returns-by-country.csv").status_code == 404


def test_the_query_string_of_a_csv_link_keeps_the_filters(users, small_cells):
    many(users["alice"], 2, gender="Masculine")
    page = client_for(users["ana"]).get(PAGE, {"gender": "Masculine", "since": "2026-01-01"}).content.decode()
    query = urlencode({"gender": "Masculine", "since": "2026-01-01"}).replace("&", "&amp;")
    assert f"{csv_url('returns-by-country')}?{query}" in page
