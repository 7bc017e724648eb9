"""Issue 12, finding 12: identity-document numbers follow the plain-text rule of every other typed value,
and a receiving agency reads on the timeline the lines of the referrals to itself only."""

import pytest
from django.core.exceptions import ValidationError

from reintegra.access import case_get_for_user
from reintegra.cases import selectors
from reintegra.cases.models import Case, CaseEvent, Returnee, validate_identity_documents
from reintegra.referrals import services as referral_services

from ..conftest import api_client_for, client_for
from .conftest import refer, share_with
from .test_api import NEW_CASE
from .test_case_pages import INTAKE

MARKUP = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize(
    "document",
    [
        {"type": "passport", "number": MARKUP},
        {"type": "passport", "number": "P123\x004567"},
        {"type": "passport", "number": "P" * 61},
        {"type": "<b>passport</b>", "number": "P1234567"},
        {"type": "passport", "number": "P1234567", "country": "<i>TH</i>"},
        {"type": "passport", "number": 1234567},
    ],
)
def test_a_document_that_is_not_plain_text_is_refused_by_the_model(document):
    with pytest.raises(ValidationError):
        validate_identity_documents([document])


def test_a_plain_document_passes():
    validate_identity_documents([{"type": "national_id", "number": "1-1037-00123-45-6", "country": "TH"}])


def test_the_api_refuses_markup_in_a_document_number_naming_the_field_and_saves_nothing(users):
    documents = {"identity_documents": [{"type": "passport", "number": MARKUP, "country": "PH"}]}
    response = api_client_for(users["alice"]).post("/api/v1/cases/", NEW_CASE | documents, format="json")
    assert response.status_code == 400, response.content
    assert "identity_documents" in response.json()["error"]["fields"]
    assert not Case.objects.exists() and not Returnee.objects.exists()


def test_the_api_refuses_markup_in_a_document_number_on_an_edit(users, case):
    documents = {"identity_documents": [{"type": "passport", "number": MARKUP}], "version": case.version}
    response = api_client_for(users["alice"]).patch(f"/api/v1/cases/{case.code}/", documents, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["identity_documents"]
    case.returnee.refresh_from_db()
    assert MARKUP not in str(case.returnee.identity_documents)


def test_the_intake_form_refuses_markup_in_a_document_number_beside_the_field(users):
    response = client_for(users["alice"]).post("/cases/new/", INTAKE | {"id_number": MARKUP})
    assert response.status_code in (200, 400)
    assert "id_number" in response.context["form"].errors
    assert not Case.objects.exists()


@pytest.fixture
def referred_twice(users, case, network):
    """Alpha refers the person to Beta and to Gamma's training centre; both accept."""
    lines = {}
    for agency, receiver in ((network.beta, users["bob"]), (network.trainer, users["pat"])):
        share_with(users["alice"], case, agency, categories=("profile",))
        referral = refer(users["alice"], case, agency, categories=("profile",))
        referral_services.referral_move(actor=receiver, referral=referral, move="accept")
        lines[agency.pk] = set(
            CaseEvent.objects.filter(kind="referral", referred_to=agency).values_list("pk", flat=True)
        )
    return lines


def test_each_referral_line_names_the_agency_it_went_to(network, referred_twice):
    # sent by Alpha, accepted by the receiver: two lines each
    assert all(len(lines) == 2 for lines in referred_twice.values())
    assert not CaseEvent.objects.filter(kind="referral", referred_to__isnull=True).exists()


def test_a_receiving_agency_does_not_read_the_lines_of_a_referral_to_another(users, case, network, referred_twice):
    seen = {e.pk for e in selectors.case_timeline(access=case_get_for_user(users["bob"], code=case.code))}
    assert referred_twice[network.beta.pk] <= seen
    assert not referred_twice[network.trainer.pk] & seen
    timeline = api_client_for(users["bob"]).get(f"/api/v1/cases/{case.code}/timeline/").json()
    assert not {line["id"] for line in timeline} & referred_twice[network.trainer.pk]
    page = client_for(users["bob"]).get(f"/cases/{case.code}/").content.decode()
    assert "Gamma" not in page


def test_the_case_agency_reads_every_referral_line(users, case, network, referred_twice):
    seen = {e.pk for e in selectors.case_timeline(access=case_get_for_user(users["alice"], code=case.code))}
    assert referred_twice[network.beta.pk] | referred_twice[network.trainer.pk] <= seen
    assert "Gamma" in client_for(users["alice"]).get(f"/cases/{case.code}/").content.decode()
