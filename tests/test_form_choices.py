"""No field asks for a code a person does not know (issue 11): agencies, services, areas, countries
and currencies are chosen by name, in the reader's language, the likely ones first; the agency's
short name is made, not asked; the referral form offers what the user may send; each form has one
primary action, and a reason sits with the action it belongs to."""

import pytest
from django.conf import settings
from django.utils import translation

from reintegra.cases import services as case_services
from reintegra.lib import geo
from reintegra.lib.collation import sort_key
from reintegra.network import services as network_services
from reintegra.network.models import Agency
from reintegra.referrals.models import Referral

from .cases.conftest import IDENTITY, share_with
from .conftest import api_client_for, client_for, make_agency
from .html import Element, parse, summary_links, values


def in_language(user, language: str):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def groups(select: Element) -> list[tuple[str, list[tuple[str, str]]]]:
    """A select's optgroups: their labels, and their options' values and words."""
    return [
        (group.attrs["label"], [(o.attrs["value"], o.text) for o in group.find_all("option")])
        for group in select.find_all("optgroup")
    ]


def ticks(container: Element) -> list[str]:
    return [i.attrs["value"] for i in container.find_all("input") if i.attrs.get("type") == "checkbox"]


@pytest.fixture
def case(users):
    return case_services.case_open(actor=users["alice"], **IDENTITY)


@pytest.fixture
def more_agencies(network):
    """Two Thai NGOs, named in Thai too: one begins with a vowel written before its consonant."""
    kind = {"type": "NGO", "country": "TH"}
    make_agency("khwan-jai", name="Acacia Home", name_local="บ้านขวัญใจ", **kind)  # บ (bo baimai)
    make_agency("kuea-kun", name="Banyan House", name_local="เกื้อกูล", **kind)  # เ + ก (ko kai)
    make_agency("kor-kai", name="Cedar Court", name_local="กรุณา", **kind)  # ก


def page_of(client, case) -> Element:
    response = client.get(f"/cases/{case.code}/")
    assert response.status_code == 200
    return parse(response.content)


# --- the referral form -----------------------------------------------------------------------------


def test_the_referral_form_groups_agencies_by_country_and_type_the_case_agencys_country_first(
    case, users, network, more_agencies
):
    select = page_of(client_for(users["alice"]), case).by_id("referral-to_agency")
    shown = groups(select)
    labels = [label for label, _options in shown]
    thai = [label for label in labels if label.startswith("Thailand · ")]
    assert labels[: len(thai)] == thai and len(thai) == 3  # Alpha's own country first, then the Philippines
    assert labels[len(thai) :] == ["Philippines · Central government organisation", "Philippines · Social welfare"]
    ngos = dict(shown)["Thailand · NGO"]
    assert [words for _pk, words in ngos] == ["Acacia Home", "Banyan House", "Cedar Court"]
    assert str(network.alpha.pk) not in [pk for _label, options in shown for pk, _w in options]  # not to itself


def test_in_thai_the_agencies_are_named_and_ordered_as_a_thai_reader_expects(case, users, more_agencies):
    select = page_of(in_language(users["alice"], "th"), case).by_id("referral-to_agency")
    ngos = next(
        options for label, options in groups(select) if label.startswith(geo.country_name("TH")) and len(options) == 3
    )
    # By first consonant: ก (กรุณา, เกื้อกูล), then บ; not by the vowel written first.
    assert [words for _pk, words in ngos] == ["กรุณา", "เกื้อกูล", "บ้านขวัญใจ"]


def test_the_services_are_grouped_by_agency_and_each_says_whose_it_is(case, users, network):
    select = page_of(client_for(users["alice"]), case).by_id("referral-service")
    assert select.attrs["data-filter-by"] == "referral-to_agency"
    shelter = network.beta.services.get()
    [(label, options)] = [(label, options) for label, options in groups(select) if label == "Beta DSWD Office"]
    assert options == [(str(shelter.pk), "Haven shelter")]
    option = next(o for o in select.find_all("option") if o.attrs["value"] == str(shelter.pk))
    assert option.attrs["data-agency"] == str(network.beta.pk)


def test_a_service_of_another_agency_is_refused_naming_both_and_nothing_is_sent(case, users, network):
    share_with(users["alice"], case, network.beta)
    welding = network.trainer.services.get()
    data = {
        "to_agency": network.beta.pk,
        "reasons": ["AdditionalServicesRequired"],
        "service": welding.pk,
        "urgency": "routine",
        "categories": ["profile"],
    }
    response = client_for(users["alice"]).post(f"/referrals/send/{case.code}/", data)
    assert response.status_code == 400 and not Referral.objects.exists()
    page = parse(response.content)
    error = page.by_id("referral-service_error").text
    assert "Welding course" in error and "Gamma Skills Centre" in error and "Beta DSWD Office" in error
    assert "referral-service" in summary_links(page)


def test_the_override_is_offered_to_a_supervisor_only(case, users):
    assert page_of(client_for(users["alice"]), case).by_id("referral-override_reason") is None
    assert page_of(client_for(users["sam"]), case).by_id("referral-override_reason") is not None


def test_an_override_posted_by_a_caseworker_is_refused_even_with_a_consent(case, users, network):
    share_with(users["alice"], case, network.beta)
    data = {
        "to_agency": network.beta.pk,
        "reasons": ["AdditionalServicesRequired"],
        "urgency": "routine",
        "categories": ["profile"],
        "override_reason": "Hurry",
    }
    response = client_for(users["alice"]).post(f"/referrals/send/{case.code}/", data)
    assert response.status_code == 400 and not Referral.objects.exists()
    assert "Only a supervisor can send a referral without consent." in response.content.decode()


def test_a_supervisor_sends_without_consent_with_a_reason(case, users, network):
    data = {
        "to_agency": network.beta.pk,
        "reasons": ["AdditionalServicesRequired"],
        "urgency": "urgent",
        "categories": ["profile"],
        "override_reason": "A child at risk",
    }
    response = client_for(users["sam"]).post(f"/referrals/send/{case.code}/", data)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.consent is None and referral.override_by == users["sam"]


# --- currencies ------------------------------------------------------------------------------------


def chosen(select: Element) -> list[str]:
    return [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs]


def test_a_currency_is_a_choice_starting_at_the_agencys_country(case, users, network):
    thai = page_of(client_for(users["alice"]), case).by_id("history-debt_currency")
    assert thai.tag == "select" and chosen(thai) == ["THB"]
    assert [value for value, _words in groups(thai)[0][1]][:2] == ["THB", "PHP"]  # the region's first
    philippine_case = case_services.case_open(actor=users["bob"], given_name="Maria")
    assert chosen(page_of(client_for(users["bob"]), philippine_case).by_id("history-debt_currency")) == ["PHP"]
    service_form = parse(client_for(users["cora"]).get(f"/network/agencies/{network.beta.slug}/services/new/").content)
    assert chosen(service_form.by_id("id_cost_currency")) == ["PHP"]


def test_no_form_asks_for_an_iso_code(case, users, network):
    for user, url in (
        (users["alice"], f"/cases/{case.code}/"),
        (users["alice"], f"/livelihoods/case/{case.code}/"),
        (users["cora"], "/livelihoods/labour-market/new/"),
        (users["cora"], "/livelihoods/options/new/"),
        (users["cora"], "/network/agencies/new/"),
    ):
        body = client_for(user).get(url).content.decode()
        assert "ISO 3166" not in body and "ISO 4217" not in body, url


# --- areas -----------------------------------------------------------------------------------------


def test_areas_are_chosen_by_name_grouped_by_region(case, users, network):
    profile = parse(client_for(users["alice"]).get(f"/livelihoods/case/{case.code}/").content)
    areas = profile.by_id("id_work_areas")
    assert areas.tag == "div" and "choice-list" in areas.classes()  # ticks, not a code typed
    assert "TH-57" in ticks(areas) and "Chiang Rai" in areas.text
    demand = parse(client_for(users["cora"]).get("/livelihoods/labour-market/new/").content).by_id("id_area")
    labels = [label for label, _options in groups(demand)]
    assert "Thailand" in labels and "Philippines · Central Visayas (Region VII)" in labels
    cebu = dict(groups(demand))["Philippines · Central Visayas (Region VII)"]
    assert ("PH-CEB", "Cebu") in cebu


def test_an_agency_serves_areas_ticked_by_name_a_whole_region_too(users, network):
    response = client_for(users["cora"]).get("/network/areas/", {"country": "PH", "field": "areas"})
    areas = parse(response.content).by_id("id_areas")
    assert "PH-07" in ticks(areas) and "PH-CEB" in ticks(areas)
    assert "Central Visayas (Region VII) (the whole region)" in areas.text


# --- the agency's short name -----------------------------------------------------------------------


AGENCY = {"name": "Sunrise Shelter", "type": "NGO", "country": "TH", "areas": ["TH-57"], "active": "on"}


def test_the_short_name_of_an_agency_is_made_from_its_name_never_asked(users, network):
    cora = client_for(users["cora"])
    form = cora.get("/network/agencies/new/").content.decode()
    assert 'name="slug"' not in form and "slug" not in form.lower() and "short name" not in form.lower()
    assert cora.post("/network/agencies/new/", AGENCY).status_code == 302
    # The same name in another country (names are unique within a country) gets the next short name.
    assert cora.post("/network/agencies/new/", AGENCY | {"country": "PH", "areas": ["PH-CEB"]}).status_code == 302
    assert sorted(Agency.objects.filter(name="Sunrise Shelter").values_list("slug", flat=True)) == [
        "sunrise-shelter",
        "sunrise-shelter-2",
    ]


def test_a_name_without_latin_letters_still_gets_a_short_name(network):
    agency = network_services.agency_create(actor=None, name="บ้านพัก", type="NGO", country="TH")
    assert agency.slug == "agency"


def test_the_api_makes_the_short_name_when_it_is_left_out(users, network):
    response = api_client_for(users["cora"]).post(
        "/api/v1/agencies/", {"name": "Harbour Light", "type": "NGO", "country": "PH"}, format="json"
    )
    assert response.status_code == 201 and response.json()["slug"] == "harbour-light"
    bad = api_client_for(users["cora"]).post(
        "/api/v1/agencies/", {"name": "X", "type": "NGO", "country": "PH", "slug": "no spaces"}, format="json"
    )
    assert bad.status_code == 400 and "slug" not in str(bad.json()["error"]["fields"]["slug"]).lower()


# --- citizenship -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "th", "fil"])
def test_citizenship_is_ticked_from_the_region_first_then_every_country_by_name(users, language):
    page = parse(in_language(users["alice"], language).get("/cases/new/").content)
    citizenship = page.by_id("id_citizenships")
    assert citizenship.tag == "div" and "choice-list" in citizenship.classes()  # never a Ctrl-click list
    codes = ticks(citizenship)
    assert codes[:8] == ["TH", "PH", "MM", "KH", "LA", "VN", "MY", "ID"]
    rest = codes[len(geo.REGION) :]
    assert len(rest) > 200 and not set(rest) & set(geo.REGION)
    with translation.override(language):
        names = [geo.country_name(code) for code in rest]
    assert names == sorted(names, key=sort_key)


def test_the_citizenships_ticked_are_saved_and_shown_again(users):
    data = {"given_name": "Nilar", "birth_date": "1999-02-03", "gender": "Feminine", "stage": "return"}
    data["citizenships"] = ["MM", "TH"]
    response = client_for(users["alice"]).post("/cases/new/", data)
    assert response.status_code == 302
    code = response["Location"].strip("/").split("/")[-1]
    edit = parse(client_for(users["alice"]).get(f"/cases/{code}/edit/").content)
    assert sorted(values(edit.by_id("edit-form"))["citizenships"]) == ["MM", "TH"]


# --- buttons ---------------------------------------------------------------------------------------


def test_the_reason_sits_with_decline_not_with_accept(case, users, network):
    share_with(users["alice"], case, network.beta)
    data = {
        "to_agency": network.beta.pk,
        "reasons": ["AdditionalServicesRequired"],
        "urgency": "routine",
        "categories": ["profile"],
    }
    client_for(users["alice"]).post(f"/referrals/send/{case.code}/", data)
    referral = Referral.objects.get()
    page = parse(client_for(users["bob"]).get(f"/referrals/{referral.pk}/").content)
    accept = next(f for f in page.find_all("form") if f.attrs.get("action", "").endswith("/accept/"))
    assert not accept.find_all("textarea") and accept.find_all("button", class_="primary")
    decline = page.by_id("decline-form")
    assert decline.find_all("textarea", name="reason") and decline.find_all("button", class_="secondary")
    assert next(a for a in decline.ancestors() if a.tag == "details").find_all("summary")[0].text.startswith("Decline")


def test_each_form_of_the_case_page_has_one_primary_action(case, users):
    page = page_of(client_for(users["alice"]), case)
    for form in page.by_id("main").find_all("form"):
        primaries = form.find_all("button", class_="primary")
        assert len(primaries) <= 1, form.attrs
        if form.attrs.get("id", "").endswith("-form"):
            assert len(primaries) == 1, form.attrs["id"]
