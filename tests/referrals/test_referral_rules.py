"""A referral's own rules live on the model (full_clean), the rules across records in the service;
either way the error names the field and nothing is saved."""

import pytest
from django.core.exceptions import ValidationError

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.referrals import services
from reintegra.referrals.models import Referral

from ..cases.conftest import IDENTITY, share_with


@pytest.fixture
def case(users):
    return case_services.case_open(actor=users["alice"], **IDENTITY)


def send(users, case, agency, **fields):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    values = {"reasons": ["AdditionalServicesRequired"], "categories": ["profile"]} | fields
    return services.referral_send(actor=users["alice"], access=access, to_agency=agency, **values)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"reasons": ["Boredom"]}, "reasons", "Unknown value(s): Boredom."),
        ({"categories": ["bank_account"]}, "categories", "Unknown value(s): bank_account."),
        ({"urgency": "yesterday"}, "urgency", "Unknown value “yesterday”."),
        ({"reason_text": "<script>x</script>"}, "reason_text", "Markup such as HTML tags is not allowed"),
        ({"reason_text": "x" * 2001}, "reason_text", "Too long: at most 2000 characters (this has 2001)."),
        ({"reasons": [], "reason_text": "  "}, "reasons", "Give the reason for the referral."),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_saved(users, network, case, fields, field, words):
    share_with(users["alice"], case, network.beta, categories=("profile",))
    with pytest.raises(ValidationError) as refused:
        send(users, case, network.beta, **fields)
    assert field in refused.value.message_dict
    assert any(words in message for message in refused.value.message_dict[field])
    assert not Referral.objects.exists()


def test_the_rules_across_records_are_reported_with_the_records_own_rules(users, network, case):
    with pytest.raises(ValidationError) as refused:
        send(users, case, network.alpha, reasons=["Boredom"])
    assert refused.value.message_dict["to_agency"] == ["Refer to another agency."]
    assert refused.value.message_dict["reasons"] == ["Unknown value(s): Boredom."]
    assert not Referral.objects.exists()


def test_a_service_of_another_agency_is_refused(users, network, case):
    share_with(users["alice"], case, network.beta, categories=("profile",))
    service_of_alpha = network.alpha.services.first()
    with pytest.raises(ValidationError) as refused:
        send(users, case, network.beta, service=service_of_alpha)
    assert refused.value.message_dict["service"] == ["This service belongs to another agency."]
    assert not Referral.objects.exists()


def test_a_reason_for_a_move_follows_the_rules_of_the_field_that_keeps_it(users, network, case):
    share_with(users["alice"], case, network.beta, categories=("profile",))
    referral = send(users, case, network.beta)
    with pytest.raises(ValidationError) as refused:
        services.referral_move(actor=users["bob"], referral=referral, move="decline", reason="<b>full</b>")
    assert "reason" in refused.value.message_dict
    referral.refresh_from_db()
    assert referral.status == "pending" and referral.status_reason == ""
