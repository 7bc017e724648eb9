"""Declining, cancelling and revoking a referral from its page. The receiving agency declines, the
sending agency cancels or revokes; each needs a reason, is refused from the wrong status or by the
wrong side, and is a 404 to an agency that is neither."""

import pytest
from django.urls import reverse

from reintegra.cases import services as case_services
from reintegra.referrals.models import Referral

from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import client_for
from ..html import parse


def flashes(response) -> list[tuple[str, str]]:
    """The messages shown on the page the redirect led to, as (level, text)."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def action_url(referral: Referral, action: str) -> str:
    return reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": action})


def detail_url(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


@pytest.fixture
def case(users):
    return case_services.case_open(actor=users["alice"], **IDENTITY)


@pytest.fixture
def pending(case, users, network):
    """Alpha refers the case to Beta under the returnee's consent; Beta has not answered."""
    share_with(users["alice"], case, network.beta, categories=["profile"])
    return refer(users["alice"], case, network.beta, categories=["profile"])


@pytest.fixture
def accepted(pending, users):
    """Beta accepted, through the referral's page (state changes are moving to a workflow engine)."""
    response = client_for(users["bob"]).post(action_url(pending, "accept"))
    assert response.status_code == 302
    referral = fresh(pending)
    assert referral.status == "accepted"
    return referral


def refusal(response) -> str:
    """The one error shown after a refused move. Its wording is the workflow's; it names the status
    the referral is in."""
    [(level, text)] = flashes(response)
    assert level == "error"
    return text


def reason_refused(response, move: str) -> str:
    """The page shown again (nothing saved) with the move's reason box open and its error beside it."""
    assert response.status_code == 400
    page = parse(response.content)
    box = page.by_id(f"{move}-form")
    assert box is not None and "open" in next(a for a in box.ancestors() if a.tag == "details").attrs
    return page.by_id(f"{move}-reason_error").text


def unchanged(referral: Referral, status: str) -> None:
    saved = fresh(referral)
    assert saved.status == status and saved.version == referral.version and saved.ended_at is None


# --- decline ---------------------------------------------------------------------------------------


def test_the_receiving_agency_declines_with_a_reason(pending, users):
    response = client_for(users["bob"]).post(action_url(pending, "decline"), {"reason": "Shelter full."}, follow=True)
    assert response.redirect_chain == [(detail_url(pending), 302)]
    saved = fresh(pending)
    assert saved.status == "declined" and saved.status_reason == "Shelter full."
    assert saved.responded_at is not None and saved.ended_at is not None
    assert flashes(response) == [("success", "Referral declined.")]
    assert "Shelter full." in response.content.decode()


def test_a_decline_without_a_reason_is_refused_and_the_referral_stays_pending(pending, users):
    response = client_for(users["bob"]).post(action_url(pending, "decline"), {"reason": "  "})
    assert reason_refused(response, "decline") == "Give the reason."
    unchanged(pending, "pending")
    assert fresh(pending).responded_at is None


def test_an_accepted_referral_can_no_longer_be_declined(accepted, users):
    response = client_for(users["bella"]).post(
        action_url(accepted, "decline"), {"reason": "Changed our mind."}, follow=True
    )
    assert "Accepted" in refusal(response)
    unchanged(accepted, "accepted")


def test_the_sending_agency_cannot_decline_its_own_referral(pending, users):
    assert client_for(users["alice"]).post(action_url(pending, "decline"), {"reason": "x"}).status_code == 403
    unchanged(pending, "pending")


def test_an_agency_that_neither_sent_nor_received_the_referral_cannot_decline_it(pending, users):
    for persona in ("pat", "ana", "cora", "charlie"):
        assert client_for(users[persona]).post(action_url(pending, "decline"), {"reason": "x"}).status_code == 404
    unchanged(pending, "pending")


# --- cancel ----------------------------------------------------------------------------------------


def test_the_sending_agency_cancels_a_pending_referral_with_a_reason(pending, users):
    response = client_for(users["alice"]).post(
        action_url(pending, "cancel"), {"reason": "The returnee moved to Bangkok."}, follow=True
    )
    assert response.redirect_chain == [(detail_url(pending), 302)]
    saved = fresh(pending)
    assert saved.status == "cancelled" and saved.status_reason == "The returnee moved to Bangkok."
    assert saved.ended_at is not None and saved.responded_at is None
    assert flashes(response) == [("success", "Referral cancelled.")]


def test_a_cancel_without_a_reason_is_refused_and_the_referral_stays_pending(pending, users):
    response = client_for(users["sam"]).post(action_url(pending, "cancel"))
    assert reason_refused(response, "cancel") == "Give the reason."
    unchanged(pending, "pending")


def test_an_accepted_referral_cannot_be_cancelled_only_revoked(accepted, users):
    response = client_for(users["alice"]).post(action_url(accepted, "cancel"), {"reason": "Too late."}, follow=True)
    assert "Accepted" in refusal(response)
    unchanged(accepted, "accepted")


def test_the_receiving_agency_cannot_cancel_the_referral(pending, users):
    assert client_for(users["bob"]).post(action_url(pending, "cancel"), {"reason": "x"}).status_code == 403
    unchanged(pending, "pending")


def test_an_agency_that_neither_sent_nor_received_the_referral_cannot_cancel_it(pending, users):
    for persona in ("pat", "ana", "charlie"):
        assert client_for(users[persona]).post(action_url(pending, "cancel"), {"reason": "x"}).status_code == 404
    unchanged(pending, "pending")


# --- revoke ----------------------------------------------------------------------------------------


def test_the_sending_agency_revokes_an_accepted_referral_and_the_other_agency_loses_the_case(accepted, users):
    case_url = reverse("cases:detail", kwargs={"code": accepted.case.code})
    bob = client_for(users["bob"])
    assert bob.get(case_url).status_code == 200
    response = client_for(users["alice"]).post(
        action_url(accepted, "revoke"), {"reason": "The returnee asked us to."}, follow=True
    )
    assert response.redirect_chain == [(detail_url(accepted), 302)]
    saved = fresh(accepted)
    assert saved.status == "revoked" and saved.status_reason == "The returnee asked us to."
    assert saved.ended_at is not None
    assert flashes(response) == [("success", "Referral revoked; the other agency's access has ended.")]
    assert bob.get(case_url).status_code == 404


def test_a_revoke_without_a_reason_is_refused_and_access_goes_on(accepted, users):
    response = client_for(users["alice"]).post(action_url(accepted, "revoke"), {"reason": ""})
    assert reason_refused(response, "revoke") == "Give the reason."
    unchanged(accepted, "accepted")
    assert client_for(users["bob"]).get(reverse("cases:detail", kwargs={"code": accepted.case.code})).status_code == 200


def test_a_pending_referral_is_cancelled_not_revoked(pending, users):
    response = client_for(users["alice"]).post(action_url(pending, "revoke"), {"reason": "x"}, follow=True)
    assert "Pending" in refusal(response)
    unchanged(pending, "pending")


def test_the_receiving_agency_cannot_revoke_the_referral(accepted, users):
    for persona in ("bob", "bella"):
        assert client_for(users[persona]).post(action_url(accepted, "revoke"), {"reason": "x"}).status_code == 403
    unchanged(accepted, "accepted")


def test_an_agency_that_neither_sent_nor_received_the_referral_cannot_revoke_it(accepted, users):
    for persona in ("pat", "ana", "cora", "charlie"):
        assert client_for(users[persona]).post(action_url(accepted, "revoke"), {"reason": "x"}).status_code == 404
    unchanged(accepted, "accepted")


def test_an_unknown_action_is_refused_and_changes_nothing(pending, users):
    assert client_for(users["bob"]).post(action_url(pending, "delete"), {"reason": "x"}).status_code == 403
    unchanged(pending, "pending")
