import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.network.selectors import DirectoryFilters, agency_directory

from ..conftest import client_for, make_agency


def slugs(user, **filters) -> list[str]:
    return [a.slug for a in agency_directory(user=user, filters=DirectoryFilters(**filters))]


def test_it_filters_by_country(users, network):
    assert slugs(users["alice"], country="PH") == ["beta-dswd", "epsilon-council"]


def test_an_area_filter_finds_agencies_of_the_area_its_region_and_the_whole_country(users, network):
    make_agency("cebu-ngo", country="PH", areas=["PH-CEB"], type="NGO")
    make_agency("bohol-ngo", country="PH", areas=["PH-BOH"], type="NGO")
    # Cebu is in Central Visayas (PH-07), which Beta serves; Epsilon serves all of the Philippines.
    assert sorted(slugs(users["alice"], area="PH-CEB")) == ["beta-dswd", "cebu-ngo", "epsilon-council"]
    assert "cebu-ngo" not in slugs(users["alice"], area="PH-00")


def test_it_filters_by_stage_category_and_type_together(users, network):
    assert slugs(users["alice"], stage="reintegration") == ["alpha-welfare", "gamma-training"]
    assert slugs(users["alice"], stage="reintegration", category="vocational_training") == ["gamma-training"]
    assert slugs(users["alice"], stage="reintegration", agency_type="SocialWelfare") == ["alpha-welfare"]
    assert slugs(users["alice"], stage="return", country="PH") == []


def test_text_search_matches_names_local_names_and_service_names(users, network):
    assert slugs(users["alice"], q="welding") == ["gamma-training"]
    assert slugs(users["alice"], q="อัลฟา") == ["alpha-welfare"]
    assert slugs(users["alice"], q="beta office") == ["beta-dswd"]


def test_inactive_agencies_are_hidden_except_from_coordinators_and_their_own_staff(users, network):
    network.beta.active = False
    network.beta.save(update_fields=["active"])
    assert "beta-dswd" not in slugs(users["alice"])
    assert "beta-dswd" in slugs(users["bob"])
    assert "beta-dswd" in slugs(users["cora"])


def test_the_directory_page_lists_matching_agencies_with_their_services(users, network):
    response = client_for(users["alice"]).get("/network/", {"country": "TH", "stage": "reintegration"})
    body = response.content.decode()
    assert "Alpha Welfare Office" in body and "Family tracing" in body
    assert "Gamma Skills Centre" in body and "Welding course" in body
    assert "Beta DSWD Office" not in body and "Delta Ministry" not in body


def test_an_htmx_filter_request_gets_only_the_results(users, network):
    response = client_for(users["alice"]).get("/network/", {"q": "welding"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Gamma Skills Centre" in body and "<html" not in body


def test_the_directory_page_needs_a_fixed_number_of_queries(users, network):
    for i in range(5):
        make_agency(f"extra-{i}", country="TH", areas=["TH-10"])
    client = client_for(users["alice"])
    client.get("/network/")
    with CaptureQueriesContext(connection) as few:
        client.get("/network/")
    for i in range(5, 15):
        make_agency(f"extra-{i}", country="TH", areas=["TH-10"])
    with CaptureQueriesContext(connection) as many:
        client.get("/network/")
    assert len(many) == len(few)


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_search_text_is_echoed_escaped(users, network, bad):
    body = client_for(users["alice"]).get("/network/", {"q": bad}).content.decode()
    assert bad not in body
