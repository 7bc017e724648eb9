"""A decline's main reason as a code (issue 13, "declines and their reasons"): chosen from a list on
the referral's page and through the API, kept on the referral, refused when unknown or given to
another move. The reason in words stays required."""

import pytest
from django.core.exceptions import ValidationError

from reintegra.cases import services as case_services
from reintegra.referrals import services
from reintegra.referrals.choices import DeclineReason
from reintegra.referrals.models import Referral

from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import api_client_for, client_for
from ..html import parse
from .test_referral_actions import action_url, detail_url, fresh


@pytest.fixture
def pending(users, network):
    case = case_services.case_open(actor=users["alice"], **IDENTITY)
    share_with(users["alice"], case, network.beta, categories=["profile"])
    return refer(users["alice"], case, network.beta, categories=["profile"])


def test_the_receiving_agency_declines_choosing_the_main_reason(pending, users):
    response = client_for(users["bob"]).post(
        action_url(pending, "decline"), {"decline_reason": "outside_area", "reason": "Too far."}, follow=True
    )
    assert response.redirect_chain == [(detail_url(pending), 302)]
    saved = fresh(pending)
    assert (saved.status, saved.decline_reason, saved.status_reason) == ("declined", "outside_area", "Too far.")
    assert parse(response.content).by_id("referral-decline-reason").text == "Outside the area the agency serves"


def test_the_decline_form_lists_the_reasons_before_the_words(pending, users):
    page = parse(client_for(users["bob"]).get(detail_url(pending)).content)
    select = page.by_id("decline-decline_reason")
    values = [option.attrs.get("value") for option in select.find_all("option")]
    assert values == ["", *DeclineReason.values]


def test_a_decline_without_a_code_is_kept_with_its_words_only(pending, users):
    client_for(users["bob"]).post(action_url(pending, "decline"), {"reason": "Shelter full."})
    assert (fresh(pending).status, fresh(pending).decline_reason) == ("declined", "")


def test_an_unknown_code_is_refused_on_the_page_and_nothing_is_saved(pending, users):
    response = client_for(users["bob"]).post(action_url(pending, "decline"), {"decline_reason": "bored", "reason": "x"})
    assert response.status_code == 400
    assert parse(response.content).by_id("decline-decline_reason_error") is not None
    assert (fresh(pending).status, fresh(pending).decline_reason) == ("pending", "")


def test_only_a_decline_takes_a_decline_reason(pending, users):
    with pytest.raises(ValidationError) as refused:
        services.referral_move(
            actor=users["alice"], referral=pending, move="cancel", reason="Moved.", decline_reason="no_capacity"
        )
    assert "decline_reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        services.referral_move(actor=users["bob"], referral=pending, move="decline", reason="x", decline_reason="zz")
    assert "decline_reason" in unknown.value.message_dict
    assert Referral.objects.get(pk=pending.pk).status == "pending"


def test_the_api_takes_the_code_and_gives_it_back(pending, users):
    bob = api_client_for(users["bob"])
    url = f"/api/v1/referrals/{pending.pk}/decline/"
    bad = bob.post(url, {"reason": "Full.", "decline_reason": "bored"}, format="json")
    assert bad.status_code == 400 and "decline_reason" in bad.json()["error"]["fields"]
    response = bob.post(url, {"reason": "Full.", "decline_reason": "no_capacity"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decline_reason"]) == ("declined", "no_capacity")
