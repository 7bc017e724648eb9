"""The rules of a case's records live on the models (field validators, `clean()`); the services run
them with `full_clean()` before writing anything, and a refusal names its field wherever the input
came from: a service call, a page or the API."""

import datetime
import inspect
import typing
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from reintegra.cases import services
from reintegra.cases.models import Case, Consent, HistoryEvent, Returnee, ReturnJourney

from ..conftest import api_client_for, client_for
from .conftest import IDENTITY
from .test_case_actions import history_form
from .test_case_actions import refused as refused_on_page


@pytest.fixture(autouse=True)
def english():
    """The services' messages in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


# --- the returnee ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"phones": [f"+66 81 000 000{i}" for i in range(6)]}, "phones", "At most 5 phone numbers."),
        ({"phones": ["12 34"]}, "phones", "A phone number needs at least 7 digits."),
        ({"age_at_intake": 121}, "age_at_intake", "Give an age between 0 and 120."),
        ({"identity_documents": [{"type": "passport", "number": " "}]}, "identity_documents", None),
        ({"given_name": "   "}, "given_name", "Give at least a given name (or the name the person uses)."),
        ({"address": "<script>x</script>"}, "address", None),
        ({"other_names": "x" * 501}, "other_names", "Too long: at most 500 characters (this has 501)."),
        ({"citizenships": ["th"]}, "citizenships", None),
        ({"languages": ["xx"]}, "languages", "Unknown value(s): xx."),
        ({"education": "Doctorate of nothing"}, "education", None),
        ({"stage": "closed"}, "stage", "Unknown value(s): closed."),
        ({"notes": "<b>summary</b>"}, "notes", None),
    ],
)
def test_opening_a_case_with_a_broken_rule_names_the_field_and_saves_nothing(users, change, field, message):
    errors = refused(services.case_open, actor=users["alice"], **(IDENTITY | change))
    assert field in errors
    if message:
        assert message in errors[field]
    assert not Returnee.objects.exists() and not Case.objects.exists()


def test_encrypted_fields_are_checked_on_what_was_typed_not_on_their_ciphertext(case, users):
    errors = refused(services.case_update, actor=users["alice"], case=case, version=case.version, email="<i>@x")
    assert list(errors) == ["email"]
    case.returnee.refresh_from_db()
    assert case.returnee.email == IDENTITY["email"]


def test_an_edit_checks_only_what_it_changes_and_the_birth_date_against_the_return(case, users):
    services.return_record(
        actor=users["alice"],
        case=case,
        country_from="MY",
        returned_on=datetime.date(2025, 1, 1),
        return_type="deportation",
    )
    errors = refused(
        services.case_update, actor=users["alice"], case=case, version=1, birth_date=datetime.date(2025, 2, 1)
    )
    assert list(errors) == ["birth_date"]
    services.case_update(actor=users["alice"], case=case, version=1, birth_date=None, children=2)
    case.returnee.refresh_from_db()
    assert case.returnee.birth_date is None and case.returnee.children == 2


def test_the_services_take_the_returnees_fields_as_declared_on_the_model():
    opened = inspect.signature(services.case_open).parameters
    assert set(Returnee.FIELDS) <= set(opened)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in opened.values())
    assert set(typing.get_type_hints(services.ReturneeChanges)) == set(Returnee.FIELDS)
    assert Returnee.FIELDS == Returnee.IDENTITY_FIELDS + Returnee.CONTACT_FIELDS + Returnee.PROFILE_FIELDS


# --- history, return, consent -------------------------------------------------------------------------


HISTORY = {"type": "Exploitation", "country": "MY", "started_on": datetime.date(2023, 1, 1)}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"debt_amount": Decimal("100")}, "debt_currency", "Give the currency of the amount."),
        ({"debt_amount": Decimal("-1"), "debt_currency": "THB"}, "debt_amount", "An amount cannot be negative."),
        ({"debt_amount": Decimal("1"), "debt_currency": "XYZ"}, "debt_currency", None),
        ({"started_on": datetime.date(1990, 1, 1)}, "started_on", "This is before the person's birth (2 Mar 1994)."),
        ({"ended_on": datetime.date(2022, 1, 1)}, "ended_on", "The end is before the start."),
        ({"recruitment_methods": ["Telepathy"]}, "recruitment_methods", "Unknown value(s): Telepathy."),
        ({"industry": "Z"}, "industry", None),
        ({"country": "th"}, "country", None),
        ({"area": "<a href=x>"}, "area", None),
        ({"creditor": "x" * 121}, "creditor", None),
    ],
)
def test_a_history_event_with_a_broken_rule_names_the_field_and_saves_nothing(case, users, change, field, message):
    errors = refused(services.history_add, actor=users["alice"], case=case, **(HISTORY | change))
    assert field in errors
    if message:
        assert message in errors[field]
    assert not HistoryEvent.objects.exists()


def test_a_return_is_replaced_and_keeps_the_documents_it_is_not_given(case, users):
    first = {"country_from": "MY", "returned_on": datetime.date(2025, 1, 1), "return_type": "deportation"}
    services.return_record(actor=users["alice"], case=case, documents_issued="Travel document", **first)
    services.return_record(actor=users["alice"], case=case, **(first | {"return_type": "spontaneous"}))
    journey = ReturnJourney.objects.get(case=case)
    assert (journey.return_type, journey.documents_issued) == ("spontaneous", "Travel document")
    errors = refused(services.return_record, actor=users["alice"], case=case, **(first | {"point_of_arrival": "<b>"}))
    assert list(errors) == ["point_of_arrival"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({}, "recipient_agency", "Name the agency, or the type of agency, the data may be shared with."),
        ({"recipient_agency_type": "Microfinance"}, "categories", "Choose the data that may be shared."),
        ({"recipient_agency_type": "Spaceport", "categories": ["profile"]}, "recipient_agency_type", None),
        ({"recipient_agency_type": "Microfinance", "categories": ["dreams"]}, "categories", None),
        ({"language": ""}, "language", "Record the language in which consent was explained."),
        ({"given_on": timezone.localdate() + datetime.timedelta(days=1)}, "given_on", "This date is in the future."),
    ],
)
def test_a_sharing_consent_with_a_broken_rule_names_the_field_and_saves_nothing(case, users, change, field, message):
    consent = {"purpose": "sharing", "given_on": timezone.localdate(), "language": "th"} | change
    errors = refused(services.consent_record, actor=users["alice"], case=case, **consent)
    assert field in errors
    if message:
        assert message in errors[field]
    assert not Consent.objects.exists()


# --- through the pages and the API ---------------------------------------------------------------------


INTAKE = {
    "given_name": "Maricel",
    "family_name": "Santos",
    "gender": "Feminine",
    "phones": "+63 917 123 4567\n12 34",
    "address": "Purok 3, Barangay Lahug",
    "stage": "return",
}


def test_an_intake_refused_by_the_model_names_the_field_and_keeps_what_was_typed(users):
    response = client_for(users["alice"]).post("/cases/new/", INTAKE)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["phones"] == ["A phone number needs at least 7 digits."]
    body = response.content.decode()
    assert "Maricel" in body and "Purok 3, Barangay Lahug" in body and "12 34" in body
    assert not Case.objects.exists() and not Returnee.objects.exists()


def test_an_edit_refused_by_the_model_names_the_field_and_keeps_what_was_typed(case, users):
    from reintegra.cases.forms import ReturneeForm

    form = {k: v for k, v in ReturneeForm.initial_from(case).items() if v not in (None, [])}
    form |= {"citizenships": ["TH"], "languages": ["th"], "address": "New village", "phones": "081"}
    response = client_for(users["alice"]).post(f"/cases/{case.code}/edit/", form)
    assert response.status_code == 200
    assert response.context["form"].errors["phones"] == ["A phone number needs at least 7 digits."]
    assert "New village" in response.content.decode()
    case.refresh_from_db()
    assert case.version == 1 and case.returnee.address == IDENTITY["address"]


def test_a_debt_without_its_currency_is_refused_on_the_page_and_nothing_is_saved(case, users):
    url = f"/cases/{case.code}/history/"
    response = client_for(users["alice"]).post(url, history_form(debt_currency=""))
    assert refused_on_page(response) == ["Currency of the debt: Give the currency of the amount."]
    assert not case.history.exists()


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("history/", {"type": "Exploitation", "country": "MY", "debt_amount": "10.00"}, "debt_currency"),
        ("history/", {"type": "Exploitation", "country": "MY", "debt_amount": "-1", "debt_currency": "MYR"}, None),
        ("history/", {"type": "Exploitation", "country": "MY", "started_on": "1990-01-01"}, "started_on"),
        ("history/", {"type": "Exploitation", "country": "MY", "area": "<b>x</b>"}, "area"),
    ],
)
def test_a_history_event_refused_by_the_model_is_a_400_naming_the_field(case, users, path, payload, field):
    response = api_client_for(users["alice"]).post(f"/api/v1/cases/{case.code}/{path}", payload, format="json")
    assert response.status_code == 400, response.content
    assert (field or "debt_amount") in response.json()["error"]["fields"]
    assert not case.history.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phones": ["12 34"]}, "phones"),
        ({"age_at_intake": 121}, "age_at_intake"),
        ({"other_names": "<b>"}, "other_names"),
    ],
)
def test_a_case_refused_by_the_model_is_a_400_naming_the_field(users, change, field):
    payload = {"given_name": "Maria", "gender": "Feminine"} | change
    response = api_client_for(users["alice"]).post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_a_sharing_consent_without_a_recipient_is_a_400_naming_the_field(case, users):
    payload = {"case": case.code, "purpose": "sharing", "categories": ["profile"], "given_on": "2025-01-01"}
    response = api_client_for(users["alice"]).post("/api/v1/consents/", payload | {"language": "th"}, format="json")
    assert response.status_code == 400, response.content
    assert "recipient_agency" in response.json()["error"]["fields"]
    assert not Consent.objects.exists()
