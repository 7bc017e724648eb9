"""The rules of one field live on the models; pages, the API and the services all refuse by them."""

import pytest
from django.core.exceptions import ValidationError

from reintegra.demo.network import DEMO_AGENCIES, USERS, load_demo_network
from reintegra.network import services
from reintegra.network.models import Agency, AgencyArea, Service

from ..conftest import api_client_for, client_for


def test_the_api_names_an_unknown_language_of_an_agency_and_saves_nothing(users, network):
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/",
        {"slug": "polyglot", "name": "Polyglot", "type": "NGO", "country": "TH", "languages": ["th", "klingon"]},
        format="json",
    )
    assert response.status_code == 400
    assert "klingon" in str(response.json()["error"]["fields"]["languages"])
    assert not Agency.objects.filter(slug="polyglot").exists()


def test_the_api_wants_the_languages_as_a_list(users, network):
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/",
        {"slug": "polyglot", "name": "Polyglot", "type": "NGO", "country": "TH", "languages": "th"},
        format="json",
    )
    assert response.status_code == 400 and "languages" in response.json()["error"]["fields"]
    assert not Agency.objects.filter(slug="polyglot").exists()


def test_the_api_names_an_unknown_country_and_saves_nothing(users, network):
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/", {"slug": "nowhere", "name": "Nowhere", "type": "NGO", "country": "XX"}, format="json"
    )
    assert response.status_code == 400
    assert "XX" in str(response.json()["error"]["fields"]["country"])
    assert not Agency.objects.filter(slug="nowhere").exists()


def test_the_api_names_an_area_of_another_country_and_saves_nothing(users, network):
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/",
        {"slug": "mixed", "name": "Mixed", "type": "NGO", "country": "TH", "areas": ["TH-57", "PH-CEB"]},
        format="json",
    )
    assert response.status_code == 400
    assert "PH-CEB" in str(response.json()["error"]["fields"]["areas"])
    assert not Agency.objects.filter(slug="mixed").exists()


def test_model_and_area_errors_are_reported_together(network):
    with pytest.raises(ValidationError) as error:
        services.agency_create(actor=None, slug="both", name="<b>Both</b>", type="NGO", country="TH", areas=["PH-07"])
    assert {"name", "areas"} <= set(error.value.message_dict)
    assert not Agency.objects.filter(slug="both").exists()


def test_moving_an_agency_to_another_country_needs_areas_of_the_new_one(network):
    with pytest.raises(ValidationError) as error:
        services.agency_update(actor=None, agency=network.alpha, version=network.alpha.version, country="PH")
    assert "areas" in error.value.message_dict
    network.alpha.refresh_from_db()
    assert network.alpha.country == "TH"
    assert list(AgencyArea.objects.filter(agency=network.alpha).values_list("code", flat=True)) == ["TH-57"]


def test_a_country_given_in_lower_case_is_stored_in_upper_case(network):
    agency = services.agency_create(actor=None, slug="lower", name="Lower", type="NGO", country="ph", areas=["ph-07"])
    assert agency.country == "PH" and list(agency.areas.values_list("code", flat=True)) == ["PH-07"]


def test_an_update_with_a_field_services_do_not_know_is_a_programming_error(network):
    with pytest.raises(TypeError):
        services.agency_update(actor=None, agency=network.alpha, version=network.alpha.version, colour="red")
    with pytest.raises(TypeError):
        services.agency_create(actor=None, slug="x", name="X", type="NGO", country="TH", colour="red")


def test_the_api_names_an_unknown_currency_of_a_service_and_saves_nothing(users, network):
    response = api_client_for(users["sam"]).post(
        "/api/v1/services/",
        {
            "agency": "alpha-welfare",
            "name": "Paid course",
            "stage": "reintegration",
            "category": "vocational_training",
            "cost_to_client": "100.00",
            "cost_currency": "XYZ",
        },
        format="json",
    )
    assert response.status_code == 400 and "cost_currency" in response.json()["error"]["fields"]
    assert not Service.objects.filter(name="Paid course").exists()


def test_a_currency_given_in_lower_case_is_stored_in_upper_case(network):
    service = services.service_create(
        actor=None,
        agency=network.alpha,
        name="Paid course",
        stage="reintegration",
        category="vocational_training",
        cost_to_client=100,
        cost_currency="thb",
    )
    assert service.cost_currency == "THB"


def test_the_service_form_names_markup_and_an_age_out_of_range_and_saves_nothing(users, network):
    form = {
        "name": "<i>Course</i>",
        "stage": "reintegration",
        "category": "vocational_training",
        "min_age": 150,
        "cost_to_client": "0",
        "active": "on",
    }
    response = client_for(users["sam"]).post("/network/agencies/alpha-welfare/services/new/", form)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "name" in errors and "min_age" in errors
    assert not Service.objects.filter(name="<i>Course</i>").exists()


def test_the_service_form_asks_for_the_justification_of_a_gender_restriction(users, network):
    form = {
        "name": "Women's shelter",
        "stage": "shelter_assistance",
        "category": "shelter",
        "cost_to_client": "0",
        "gender_restriction": "female",
        "active": "on",
    }
    response = client_for(users["sam"]).post("/network/agencies/alpha-welfare/services/new/", form)
    assert response.status_code == 200
    assert "gender_restriction_reason" in response.context["form"].errors
    assert not Service.objects.filter(name="Women's shelter").exists()


def test_the_agency_form_names_a_bad_e_mail_and_website_and_saves_nothing(users, network):
    form = {"name": "Odd", "slug": "odd", "type": "NGO", "country": "TH", "contact_email": "nope", "website": "a b"}
    response = client_for(users["cora"]).post("/network/agencies/new/", form)
    assert response.status_code == 200
    assert {"contact_email", "website"} <= set(response.context["form"].errors)
    assert not Agency.objects.filter(slug="odd").exists()


def test_the_demo_network_loads_by_keyword_once(db):
    assert load_demo_network() == len(DEMO_AGENCIES)
    assert load_demo_network() == 0
    assert Service.objects.count() == sum(len(agency.services) for agency in DEMO_AGENCIES)
    shelter = Service.objects.get(agency__slug="th-shelter-nonthaburi", name="Shelter for women and children")
    assert shelter.capacity == 60 and shelter.gender_restriction == "female"
    assert shelter.languages == ["th", "en", "my", "lo", "km"]
    assert {user.agency for user in USERS} <= set(Agency.objects.values_list("slug", flat=True))
