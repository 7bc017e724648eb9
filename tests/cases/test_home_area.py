"""The returnee's home area (issue 13, the filters by area of origin): a province or region (ISO
3166-2) of the agency's country or of a citizenship, plain and indexed for the figures, chosen by
name on the intake and edit forms, read and written by the API, shown with the profile.

Alice keeps cases at Alpha (Thailand); Bob is at Beta (the Philippines); Ana is an analyst."""

import pytest
from django.core.exceptions import ValidationError

from reintegra.cases import services
from reintegra.cases.models import Case, Returnee
from reintegra.lib.labels import label

from ..conftest import api_client_for, client_for
from ..html import parse, summary_links, values
from .conftest import IDENTITY
from .test_api import NEW_CASE, accepted_referral, url

FORM = {
    "given_name": "Malee",
    "family_name": "Srisuk",
    "birth_date": "1996-04-02",
    "gender": "Feminine",
    "phones": "+66 81 765 4321",
    "address": "5 Moo 2, Mae Chan",
    "citizenships": ["TH"],
    "languages": ["th"],
    "stage": "return",
    "notes": "Walk-in",
}


def options(select) -> list[str]:
    return [o.attrs["value"] for o in select.find_all("option") if o.attrs.get("value")]


def chosen(select) -> list[str]:
    return [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs]


def group_labels(select) -> list[str]:
    return [g.attrs["label"] for g in select.find_all("optgroup")]


# --- the record ------------------------------------------------------------------------------------


def test_the_home_area_is_a_plain_indexed_profile_field():
    field = Returnee._meta.get_field("home_area")
    assert "home_area" in Returnee.PROFILE_FIELDS and field.db_index and field.blank
    assert type(field).__name__ == "CharField"  # plain, so the figures can group and filter by it


def test_a_home_area_is_saved_as_its_code_in_capitals(users):
    case = services.case_open(actor=users["alice"], **IDENTITY | {"home_area": " th-57 "})
    assert Returnee.objects.get(pk=case.returnee_id).home_area == "TH-57"
    assert Returnee.objects.filter(home_area="TH-57").count() == 1


def test_no_home_area_is_allowed(users):
    case = services.case_open(actor=users["alice"], **IDENTITY)
    assert case.returnee.home_area == ""


def test_a_code_that_is_no_area_is_refused_naming_it_and_nothing_is_saved(users):
    with pytest.raises(ValidationError) as refused:
        services.case_open(actor=users["alice"], **IDENTITY | {"home_area": "TH-999"})
    assert "TH-999" in " ".join(refused.value.message_dict["home_area"])
    assert not Case.objects.exists() and not Returnee.objects.exists()


def test_an_area_of_another_country_is_refused_unless_the_person_is_its_citizen(users):
    with pytest.raises(ValidationError) as refused:
        services.case_open(actor=users["alice"], **IDENTITY | {"home_area": "PH-CEB"})
    [message] = refused.value.message_dict["home_area"]
    assert "PH-CEB" in message and "Cebu" in message and "Thailand" in message
    assert not Returnee.objects.exists()
    # A Filipina helped by a Thai agency goes home to Cebu.
    case = services.case_open(actor=users["alice"], **IDENTITY | {"citizenships": ["PH"], "home_area": "PH-CEB"})
    assert case.returnee.home_area == "PH-CEB"


def test_an_edit_checks_a_new_home_area_and_keeps_one_recorded_before(users):
    alice = users["alice"]
    case = services.case_open(actor=alice, **IDENTITY | {"citizenships": ["PH"], "home_area": "PH-CEB"})
    with pytest.raises(ValidationError) as refused:
        services.case_update(actor=alice, case=case, version=case.version, home_area="MY-01")
    assert "MY-01" in " ".join(refused.value.message_dict["home_area"])
    case.refresh_from_db()
    assert case.returnee.home_area == "PH-CEB"
    # Editing the citizenship leaves the area recorded as it is.
    case = services.case_update(actor=alice, case=case, version=case.version, citizenships=["TH"], home_area="PH-CEB")
    assert Returnee.objects.get(pk=case.returnee_id).home_area == "PH-CEB"
    case = services.case_update(actor=alice, case=case, version=case.version, home_area="th-50")
    assert Returnee.objects.get(pk=case.returnee_id).home_area == "TH-50"


def test_the_area_is_named_with_its_country():
    assert label("area", "TH-57") == "Chiang Rai, Thailand"
    assert label("area", "HK") == "Hong Kong"
    assert label("area", "") == ""


# --- the forms -------------------------------------------------------------------------------------


def test_the_intake_offers_the_agencys_provinces_by_name_with_a_filter(users):
    page = parse(client_for(users["alice"]).get("/cases/new/").content)
    select = page.by_id("id_home_area")
    assert select.tag == "select" and "data-filter" in select.attrs
    assert "TH-57" in options(select) and "Chiang Rai" in select.text
    assert not [code for code in options(select) if not code.startswith("TH-")]  # Alpha is in Thailand
    # Ticking a citizenship brings its country's areas.
    ticked = next(i for i in page.by_id("id_citizenships").find_all("input") if i.attrs.get("value") == "MM")
    assert ticked.attrs["hx-get"] == "/cases/home-areas/" and ticked.attrs["hx-target"] == "#id_home_area"


def test_the_intake_saves_the_home_area_chosen(users):
    response = client_for(users["alice"]).post("/cases/new/", FORM | {"home_area": "TH-57"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Returnee.objects.get().home_area == "TH-57"


@pytest.mark.parametrize(
    ("code", "citizenships"),
    [("XX-99", ["TH"]), ("PH-CEB", ["TH"])],
    ids=["no-area", "area-of-another-country"],
)
def test_a_refused_home_area_comes_back_named_beside_its_field_with_the_rest_kept(users, code, citizenships):
    posted = FORM | {"home_area": code, "citizenships": citizenships}
    response = client_for(users["alice"]).post("/cases/new/", posted)
    assert response.status_code == 200
    assert not Returnee.objects.exists() and not Case.objects.exists()
    page = parse(response.content)
    assert set(summary_links(page)) == {"id_home_area"}
    error = page.by_id("id_home_area_error")
    assert error is not None and code in error.text
    shown = values(page.by_id("intake-form"))
    assert shown["given_name"] == ["Malee"] and shown["citizenships"] == citizenships
    assert shown["address"] == ["5 Moo 2, Mae Chan"] and shown["notes"] == ["Walk-in"]


def test_the_edit_form_offers_the_citizenships_areas_and_shows_the_one_recorded(users):
    case = services.case_open(actor=users["alice"], **IDENTITY | {"citizenships": ["PH"], "home_area": "PH-CEB"})
    select = parse(client_for(users["alice"]).get(f"/cases/{case.code}/edit/").content).by_id("id_home_area")
    assert chosen(select) == ["PH-CEB"]
    assert {"TH-57", "PH-CEB", "PH-00"} <= set(options(select))
    assert "Philippines · Central Visayas (Region VII)" in group_labels(select)


def test_the_edit_form_saves_a_new_home_area(users):
    case = services.case_open(actor=users["alice"], **IDENTITY)
    data = {k: v for k, v in FORM.items() if k not in ("stage", "notes")} | {
        "version": str(case.version),
        "home_area": "TH-50",
    }
    response = client_for(users["alice"]).post(f"/cases/{case.code}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Returnee.objects.get(pk=case.returnee_id).home_area == "TH-50"


def test_the_areas_follow_the_citizenships_ticked_keeping_the_area_chosen(users):
    response = client_for(users["alice"]).get("/cases/home-areas/", {"citizenships": ["MM"], "home_area": "TH-57"})
    assert response.status_code == 200
    select = parse(response.content).by_id("id_home_area")
    codes = set(options(select))
    assert {"TH-57", "MM-01"} <= codes and not [c for c in codes if c[:2] not in ("TH", "MM")]
    assert chosen(select) == ["TH-57"]


@pytest.mark.parametrize("persona", ["ana", "cora", "pat"])
def test_only_those_who_keep_cases_ask_for_the_areas(users, persona):
    assert client_for(users[persona]).get("/cases/home-areas/", {"citizenships": ["MM"]}).status_code == 403


def test_the_case_page_shows_the_home_area_with_the_profile(users):
    case = services.case_open(actor=users["alice"], **IDENTITY | {"home_area": "TH-57"})
    body = client_for(users["alice"]).get(f"/cases/{case.code}/").content.decode()
    assert "Home area (province)" in body and "Chiang Rai, Thailand" in body


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_opens_a_case_with_a_home_area_and_shows_it(users):
    alice = api_client_for(users["alice"])
    response = alice.post("/api/v1/cases/", NEW_CASE | {"home_area": "ph-ceb"}, format="json")
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    assert alice.get(url(code)).json()["home_area"] == "PH-CEB"


@pytest.mark.parametrize("code", ["PH-XYZ", "Cebu", "MY-01"], ids=["no-area", "a-name", "another-country"])
def test_the_api_refuses_a_bad_home_area_naming_the_field_and_creates_nothing(users, code):
    response = api_client_for(users["alice"]).post("/api/v1/cases/", NEW_CASE | {"home_area": code}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert "home_area" in error["fields"] and code.upper() in str(error["fields"]["home_area"]).upper()
    assert not Case.objects.exists() and not Returnee.objects.exists()


def test_the_api_edits_the_home_area_and_refuses_another_countrys(users):
    case = services.case_open(actor=users["alice"], **IDENTITY)
    alice = api_client_for(users["alice"])
    response = alice.patch(url(case.code), {"version": case.version, "home_area": "TH-57"}, format="json")
    assert response.status_code == 200, response.content
    assert Returnee.objects.get(pk=case.returnee_id).home_area == "TH-57"
    version = Case.objects.get(pk=case.pk).version
    refused = alice.patch(url(case.code), {"version": version, "home_area": "PH-CEB"}, format="json")
    assert refused.status_code == 400 and "home_area" in refused.json()["error"]["fields"]
    assert Returnee.objects.get(pk=case.returnee_id).home_area == "TH-57"


@pytest.mark.parametrize(("categories", "shown"), [(("history",), False), (("profile",), True)])
def test_the_home_area_travels_with_the_profile_only(users, network, categories, shown):
    case = services.case_open(actor=users["alice"], **IDENTITY | {"home_area": "TH-57"})
    accepted_referral(case, users, network, categories=categories)
    seen = api_client_for(users["bob"]).get(url(case.code)).json()
    assert ("home_area" in seen) is shown and seen.get("home_area", "TH-57") == "TH-57"
