import pytest
from django.core.exceptions import ValidationError

from reintegra.lib.concurrency import EditConflict
from reintegra.network import services
from reintegra.network.models import Agency, AgencyArea, Service

from ..conftest import api_client_for, client_for

AGENCY_FORM = {
    "name": "Sunrise Shelter",
    "name_local": "บ้านพักแสงอรุณ",
    "slug": "sunrise-shelter",
    "type": "NGOIOShelter",
    "country": "TH",
    "areas": ["TH-57", "TH-50"],
    "languages": ["th", "en"],
    "active": "on",
}


def test_a_coordinator_adds_an_agency_with_its_areas(users, network):
    response = client_for(users["cora"]).post("/network/agencies/new/", AGENCY_FORM)
    assert response.status_code == 302
    agency = Agency.objects.get(slug="sunrise-shelter")
    assert sorted(agency.areas.values_list("code", flat=True)) == ["TH-50", "TH-57"]
    assert agency.name_local == "บ้านพักแสงอรุณ" and agency.languages == ["th", "en"]


def test_a_supervisor_edits_their_own_agency_and_the_version_moves_on(users, network):
    version = network.alpha.version
    form = {
        "name": "Alpha Welfare",  # the names are not the supervisor's to change: ignored
        "type": "SocialWelfare",
        "country": "TH",
        "areas": ["TH-57", "TH-56"],
        "contact_phone": "+66 2 123 4567",
        "version": version,
    }
    response = client_for(users["sam"]).post("/network/agencies/alpha-welfare/edit/", form)
    assert response.status_code == 302
    network.alpha.refresh_from_db()
    assert network.alpha.name == "Alpha Welfare Office" and network.alpha.version == version + 1
    assert network.alpha.contact_phone == "+66 2 123 4567"
    assert set(network.alpha.areas.values_list("code", flat=True)) == {"TH-57", "TH-56"}


def test_a_stale_edit_is_refused_and_shows_what_changed(users, network):
    stale = network.alpha.version
    services.agency_update(actor=users["cora"], agency=network.alpha, version=stale, contact_phone="+66 2 111")
    form = {
        "name": "Alpha renamed",
        "type": "SocialWelfare",
        "country": "TH",
        "areas": ["TH-57"],
        "contact_phone": "+66 2 999",
        "version": stale,
    }
    response = client_for(users["sam"]).post("/network/agencies/alpha-welfare/edit/", form)
    body = response.content.decode()
    assert response.status_code == 200 and "Someone else saved this record" in body and "contact_phone" in body
    network.alpha.refresh_from_db()
    assert network.alpha.name == "Alpha Welfare Office" and network.alpha.contact_phone == "+66 2 111"


def test_markup_in_a_name_is_refused_and_nothing_is_saved(users, network):
    form = AGENCY_FORM | {"name": "<script>alert(1)</script>", "slug": "evil"}
    response = client_for(users["cora"]).post("/network/agencies/new/", form)
    assert response.status_code == 200
    assert "Markup such as HTML tags is not allowed" in response.content.decode()
    assert not Agency.objects.filter(slug="evil").exists()


def test_an_area_of_another_country_is_refused_by_name_and_nothing_is_saved(network):
    with pytest.raises(ValidationError) as error:
        services.agency_create(
            actor=None, slug="mixed", name="Mixed", type="NGO", country="TH", areas=["TH-57", "PH-CEB"]
        )
    assert "PH-CEB" in str(error.value.message_dict["areas"])
    assert not Agency.objects.filter(slug="mixed").exists()
    assert not AgencyArea.objects.filter(code="PH-CEB", agency__slug="mixed").exists()


def test_an_unknown_country_and_language_are_named_in_the_error(network):
    with pytest.raises(ValidationError) as error:
        services.agency_create(actor=None, slug="x", name="X", type="NGO", country="XX", languages=["th", "klingon"])
    assert "XX" in str(error.value.message_dict["country"])
    assert "klingon" in str(error.value.message_dict["languages"])


def test_a_gender_restriction_needs_a_justification(network):
    with pytest.raises(ValidationError) as error:
        services.service_create(
            actor=None,
            agency=network.alpha,
            name="Women's shelter",
            stage="shelter_assistance",
            category="shelter",
            gender_restriction="female",
        )
    assert "gender_restriction_reason" in error.value.message_dict
    assert not Service.objects.filter(name="Women's shelter").exists()


def test_ages_and_costs_are_checked(network):
    with pytest.raises(ValidationError) as error:
        services.service_create(
            actor=None,
            agency=network.alpha,
            name="Course",
            stage="reintegration",
            category="vocational_training",
            min_age=30,
            max_age=18,
            cost_to_client=500,
        )
    assert {"max_age", "cost_currency"} <= set(error.value.message_dict)


def test_a_stale_service_update_raises_a_conflict(network):
    service = network.alpha.services.first()
    services.service_update(actor=None, service=service, version=service.version, capacity=5)
    with pytest.raises(EditConflict) as conflict:
        services.service_update(actor=None, service=service, version=service.version, capacity=9)
    assert conflict.value.changes == {"capacity": 5}


def test_the_api_answers_a_stale_update_with_409_and_the_current_version(users, network):
    client = api_client_for(users["cora"])
    url = "/api/v1/agencies/alpha-welfare/"
    assert client.patch(url, {"contact_phone": "1", "version": network.alpha.version}, format="json").status_code == 200
    response = client.patch(url, {"contact_phone": "2", "version": network.alpha.version}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert response.json()["error"]["current_version"] == network.alpha.version + 1


def test_the_api_refuses_bad_input_with_one_error_shape(users, network):
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/", {"slug": "x", "name": "<b>X</b>", "type": "Nope", "country": "TH"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "type" in error["fields"]


def test_the_api_refuses_service_errors_from_the_model_rules(users, network):
    response = api_client_for(users["sam"]).post(
        "/api/v1/services/",
        {
            "agency": "alpha-welfare",
            "name": "Course",
            "stage": "reintegration",
            "category": "vocational_training",
            "min_age": 40,
            "max_age": 20,
        },
        format="json",
    )
    assert response.status_code == 400 and "max_age" in response.json()["error"]["fields"]


def test_a_supervisor_cannot_add_services_to_another_agency_through_the_api(users, network):
    response = api_client_for(users["sam"]).post(
        "/api/v1/services/",
        {"agency": "beta-dswd", "name": "Course", "stage": "reintegration", "category": "vocational_training"},
        format="json",
    )
    assert response.status_code == 404
    assert not Service.objects.filter(name="Course").exists()


def test_agency_text_is_rendered_escaped(users, network):
    services.agency_update(
        actor=None, agency=network.alpha, version=network.alpha.version, description="Fish & chips > rice; 5 < 6"
    )
    body = client_for(users["bob"]).get("/network/agencies/alpha-welfare/").content.decode()
    assert "Fish &amp; chips &gt; rice; 5 &lt; 6" in body


# Who may write through the API with a valid body (moved from tests/test_access_matrix.py; the GET of
# every route for every persona, and an empty write to each, are in tests/test_route_matrix.py).
PERSONAS = ["anon", "charlie", "alice", "sam", "bob", "bella", "pat", "ana", "cora"]


def test_api_edits_follow_the_same_rules_as_pages(users, network):
    for persona in PERSONAS:
        status = {"anon": 401, "sam": 200, "cora": 200}.get(persona, 404)
        network.alpha.refresh_from_db()
        response = api_client_for(users.get(persona)).patch(
            "/api/v1/agencies/alpha-welfare/",
            {"contact_phone": f"+66 1 {persona}", "version": network.alpha.version},
            format="json",
        )
        assert response.status_code == status, f"{persona}: {response.status_code} {response.content[:200]}"


def test_only_coordinators_create_agencies_through_the_api(users, network):
    payload = {
        "slug": "new-shelter",
        "name": "New Shelter",
        "type": "NGOIOShelter",
        "country": "PH",
        "areas": ["PH-00"],
    }
    for persona in PERSONAS:
        status = {"anon": 401, "cora": 201}.get(persona, 403)
        response = api_client_for(users.get(persona)).post("/api/v1/agencies/", payload, format="json")
        assert response.status_code == status, f"{persona}: {response.status_code}"
