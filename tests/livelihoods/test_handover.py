"""The provider's hand-over (decisions/0018): a provider that accepted a referral acts on it, from the
referral's page to the person enrolled, without waiting for the caseworker's steps; where it cannot
act, the page names who acts next."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from reintegra.accounts.models import AuditEvent
from reintegra.cases.models import CaseEvent
from reintegra.livelihoods import handover
from reintegra.livelihoods.models import Enrolment
from reintegra.network import services as network_services
from reintegra.referrals import services as referral_services

from ..cases.conftest import refer, share_with
from ..conftest import api_client_for, client_for
from .test_enrolments import move, recommend

SHARED = ("identity", "profile", "livelihood")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


def referral_to_trainer(users, case, network, service=None):
    """Alpha refers the person to Gamma's service (its welding course unless another is named); Gamma accepts."""
    share_with(users["alice"], case, network.trainer, categories=SHARED)
    service = service or network.trainer.services.get(name="Welding course")
    referral = refer(users["alice"], case, network.trainer, categories=SHARED, service=service)
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    referral.refresh_from_db()
    return referral


@pytest.fixture
def for_training(users, case, network, catalogue):
    """A referral for training, accepted by the training centre; nobody has recommended any option."""
    return referral_to_trainer(users, case, network)


@pytest.fixture
def for_counselling(users, case, network, catalogue):
    """A referral to the same centre for something other than livelihood work."""
    counselling = network_services.service_create(
        actor=None,
        agency=network.trainer,
        name="Counselling",
        stage="reintegration",
        category="psychosocial_counselling",
    )
    return referral_to_trainer(users, case, network, service=counselling)


def read(response) -> str:
    """The page as a reader reads it (entities such as &#x27; unescaped)."""
    return html.unescape(response.content.decode())


def enrol_url(referral):
    return reverse("livelihoods:referral_enrol", kwargs={"referral_id": referral.pk})


def referral_url(referral):
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def test_the_provider_moves_the_person_from_the_accepted_referral_to_enrolled_without_the_caseworker(
    users, case, for_training, catalogue, today
):
    paid, _unpaid = catalogue
    pat = client_for(users["pat"])
    page = read(pat.get(referral_url(for_training)))
    assert 'id="enrol-form"' in page and paid.title in page
    lines_before = CaseEvent.objects.filter(case=case).count()
    response = pat.post(enrol_url(for_training), {"opportunity": paid.pk, "to": "enrolled", "on": today.isoformat()})
    enrolment = Enrolment.objects.get(case=case, opportunity=paid)
    assert response.status_code == 302 and response["Location"] == f"/livelihoods/enrolments/{enrolment.pk}/"
    assert enrolment.status == "enrolled" and enrolment.enrolled_on == today and enrolment.decided_on == today
    assert enrolment.referral == for_training and enrolment.recommended_by == users["pat"]
    assert not enrolment.proposed_by_provider  # the caseworker asked for training: the provider answers
    # one line for putting it forward, one per step; each step audited as the workflow's move
    assert CaseEvent.objects.filter(case=case).count() == lines_before + 4
    moves = AuditEvent.objects.filter(object_type="livelihoods.enrolment", object_id=str(enrolment.pk))
    assert sorted(e.details.get("move", "") for e in moves if e.details.get("move")) == [
        "accepted",
        "enrolled",
        "offered",
    ]
    # the caseworker made no step, and sees it all on the case
    assert not moves.filter(actor=users["alice"]).exists()
    page = read(pat.get(f"/livelihoods/enrolments/{enrolment.pk}/"))
    assert "Next: record the completion or the drop-out." in page


def test_the_provider_takes_on_from_where_the_caseworker_left_an_option(users, case, for_training, catalogue):
    paid, _unpaid = catalogue
    recommended = recommend(users, case, paid)
    response = client_for(users["pat"]).post(enrol_url(for_training), {"opportunity": paid.pk, "to": "accepted"})
    assert response.status_code == 302
    recommended.refresh_from_db()
    assert recommended.status == "accepted" and recommended.referral == for_training
    assert Enrolment.objects.filter(case=case, opportunity=paid).count() == 1
    # a step already made is not made again: the page of the enrolment records what follows
    again = client_for(users["pat"]).post(enrol_url(for_training), {"opportunity": paid.pk, "to": "offered"})
    assert again.status_code == 400 and "already “Accepted” on this option" in read(again)


def test_the_referral_page_offers_the_provider_its_options_only_while_the_referral_is_active(
    users, case, network, catalogue
):
    share_with(users["alice"], case, network.trainer, categories=SHARED)
    referral = refer(users["alice"], case, network.trainer, categories=SHARED, service=network.trainer.services.get())
    pat = client_for(users["pat"])
    assert 'id="enrol-form"' not in read(pat.get(referral_url(referral)))  # pending
    refused = pat.post(enrol_url(referral), {"opportunity": catalogue[0].pk, "to": "offered"})
    assert refused.status_code == 400 and "while it is active" in read(refused)
    assert not Enrolment.objects.filter(case=case).exists()
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    assert 'id="enrol-form"' in read(pat.get(referral_url(referral)))
    # the sending agency sees the options' section, not the provider's form
    assert 'id="enrol-form"' not in read(client_for(users["alice"]).get(referral_url(referral)))


def test_only_the_receiving_agency_records_on_its_own_options(users, case, for_training, catalogue, network):
    paid, _unpaid = catalogue
    with pytest.raises(PermissionDenied):
        handover.enrolment_from_referral(actor=users["alice"], referral=for_training, opportunity=paid, to="offered")
    post = {"opportunity": paid.pk, "to": "offered"}
    assert client_for(users["alice"]).post(enrol_url(for_training), post).status_code == 403
    assert client_for(users["bob"]).post(enrol_url(for_training), post).status_code == 404
    from reintegra.livelihoods import services

    elsewhere = services.opportunity_save(
        actor=users["cora"], provider=network.alpha, kind="job", title="Clerk", isco="41", area="TH-57"
    )
    with pytest.raises(ValidationError) as refused:
        handover.enrolment_from_referral(actor=users["pat"], referral=for_training, opportunity=elsewhere, to="offered")
    assert "your agency's own options" in str(refused.value)
    assert not Enrolment.objects.filter(case=case).exists()


def test_a_bad_post_keeps_what_was_typed_and_saves_nothing(users, case, for_training, catalogue, today):
    paid, _unpaid = catalogue
    response = client_for(users["pat"]).post(
        enrol_url(for_training), {"opportunity": paid.pk, "to": "enrolled", "on": (today + 3 * DAY).isoformat()}
    )
    page = read(response)
    assert response.status_code == 400 and 'id="enrol-errors"' in page
    assert f'value="{(today + 3 * DAY).isoformat()}"' in page
    assert f'<option value="{paid.pk}" selected>' in page and '<option value="enrolled" selected>' in page
    assert not Enrolment.objects.filter(case=case).exists()
    unknown = client_for(users["pat"]).post(enrol_url(for_training), {"opportunity": 999999, "to": "enrolled"})
    assert unknown.status_code == 400 and not Enrolment.objects.filter(case=case).exists()


def test_a_declined_option_is_not_put_forward_again_by_the_provider(users, case, for_training, catalogue):
    paid, _unpaid = catalogue
    declined = recommend(users, case, paid)
    move(users["alice"], declined, "declined", reason="Too far from home")
    with pytest.raises(ValidationError) as refused:
        handover.enrolment_from_referral(actor=users["pat"], referral=for_training, opportunity=paid, to="offered")
    assert "declined this option" in str(refused.value)
    assert "Too far from home" not in str(refused.value)  # the returnee's words stay with their caseworker
    assert Enrolment.objects.filter(case=case).count() == 1


def test_seats_still_bound_the_provider(users, case, for_training, catalogue):
    from reintegra.livelihoods import services
    from reintegra.livelihoods.models import OPTION_FIELDS, values_of

    paid, _unpaid = catalogue
    services.opportunity_save(
        actor=users["cora"], opportunity=paid, version=paid.version, **(values_of(paid, OPTION_FIELDS) | {"seats": 0})
    )
    with pytest.raises(ValidationError) as refused:
        handover.enrolment_from_referral(actor=users["pat"], referral=for_training, opportunity=paid, to="accepted")
    assert "seats" in str(refused.value)
    assert not Enrolment.objects.filter(case=case).exists()  # all or nothing


# --- The person who asks never records the yes ---------------------------------------------------------


def test_under_a_referral_for_something_else_the_provider_offers_and_the_caseworker_records_the_answer(
    users, case, for_counselling, catalogue
):
    paid, _unpaid = catalogue
    pat = client_for(users["pat"])
    page = read(pat.get(referral_url(for_counselling)))
    form = page.split('id="enrol-form"')[1].split("</form>")[0]
    assert 'value="offered"' in form and 'value="accepted"' not in form and 'value="enrolled"' not in form
    refused = pat.post(enrol_url(for_counselling), {"opportunity": paid.pk, "to": "accepted"})
    assert refused.status_code == 400 and not Enrolment.objects.filter(case=case).exists()
    with pytest.raises(ValidationError) as said:
        handover.enrolment_from_referral(actor=users["pat"], referral=for_counselling, opportunity=paid, to="accepted")
    assert "recorded by their caseworker" in str(said.value)
    assert not Enrolment.objects.filter(case=case).exists()

    assert pat.post(enrol_url(for_counselling), {"opportunity": paid.pk, "to": "offered"}).status_code == 302
    enrolment = Enrolment.objects.get(case=case, opportunity=paid)
    assert enrolment.status == "offered" and enrolment.proposed_by_provider
    page = read(pat.get(f"/livelihoods/enrolments/{enrolment.pk}/"))
    assert "Waiting for the caseworker at Alpha Welfare Office to record the returnee's answer." in page
    api = api_client_for(users["pat"]).get(f"/api/v1/enrolments/{enrolment.pk}/").json()
    assert api["moves"] == ["declined"] and api["next_step"].startswith("Waiting for the caseworker at Alpha")
    with pytest.raises(ValidationError) as said:
        move(users["pat"], enrolment, "accepted")
    assert "put this option forward itself" in str(said.value)
    # the caseworker records the yes; the provider enrols
    alice_page = read(client_for(users["alice"]).get(f"/livelihoods/enrolments/{enrolment.pk}/"))
    assert "Next: record the returnee's answer." in alice_page
    move(users["alice"], enrolment, "accepted")
    assert "Next: record the enrolment." in read(pat.get(f"/livelihoods/enrolments/{enrolment.pk}/"))
    move(users["pat"], enrolment, "enrolled")
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"


def test_the_api_puts_an_option_forward_from_a_referral_under_the_same_rules(
    users, case, for_training, for_counselling, catalogue
):
    paid, unpaid = catalogue
    pat = api_client_for(users["pat"])
    made = pat.post(
        "/api/v1/enrolments/",
        {"referral": for_training.pk, "opportunity": paid.pk, "to": "enrolled"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert made.json()["status"] == "enrolled" and made.json()["moves"] == ["dropped_out", "completed", "placed"]
    refused = pat.post(
        "/api/v1/enrolments/",
        {"referral": for_counselling.pk, "opportunity": unpaid.pk, "to": "accepted"},
        format="json",
    )
    assert refused.status_code == 400 and "caseworker" in refused.json()["error"]["message"]
    assert not Enrolment.objects.filter(opportunity=unpaid).exists()
    both = pat.post(
        "/api/v1/enrolments/",
        {"case": case.code, "referral": for_training.pk, "opportunity": unpaid.pk},
        format="json",
    )
    assert both.status_code == 400 and "case" in both.json()["error"]["fields"]


def test_the_case_agency_reads_who_acts_next_on_every_enrolment_of_the_referral(users, case, for_training, catalogue):
    paid, _unpaid = catalogue
    handover.enrolment_from_referral(actor=users["pat"], referral=for_training, opportunity=paid, to="accepted")
    page = read(client_for(users["alice"]).get(referral_url(for_training)))
    section = page.split('id="livelihood-options"')[1]
    assert paid.title in section and "Next: record the enrolment." in section


def test_the_providers_home_lists_the_referrals_for_livelihood_work_with_nobody_on_an_option_yet(
    users, case, for_training, catalogue
):
    pat = client_for(users["pat"])
    waiting = read(pat.get(reverse("home"))).split('id="to-take-on"')[1].split("</ul>")[0]
    assert referral_url(for_training) in waiting and case.code in waiting
    handover.enrolment_from_referral(actor=users["pat"], referral=for_training, opportunity=catalogue[0], to="offered")
    waiting = read(pat.get(reverse("home"))).split('id="to-take-on"')[1].split("</ul>")[0]
    assert referral_url(for_training) not in waiting


def test_the_providers_home_shows_the_oldest_of_each_step_and_how_many_from_one_read(
    users, network, catalogue, monkeypatch
):
    """An agency may receive hundreds of thousands of referrals: each list of the provider's home shows
    its QUEUE_SHOWN oldest and the number in all; the enrolments' lists come from one read (their access
    rule costs seconds at national scale), however many there are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reintegra.cases import services as case_services
    from reintegra.home import selectors

    from ..cases.conftest import IDENTITY

    monkeypatch.setattr(selectors, "QUEUE_SHOWN", 2)

    def enrolled(k: int, to: str) -> Enrolment:
        case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"Person {k}"}))
        referral = referral_to_trainer(users, case, network)
        enrolment = handover.enrolment_from_referral(
            actor=users["pat"], referral=referral, opportunity=catalogue[1], to=to
        )
        # Last touched k days after the first of March: the lists run oldest first.
        Enrolment.objects.filter(pk=enrolment.pk).update(updated_at=timezone.now().replace(month=3, day=1 + k))
        return enrolment

    accepted = [enrolled(k, "accepted") for k in (3, 1, 2)]
    training = [enrolled(k, "enrolled") for k in (5, 4)]
    with CaptureQueriesContext(connection) as few:
        inbox = selectors.inbox_for(user=users["pat"])
    assert inbox.to_enrol == [accepted[1], accepted[2]] and inbox.counts["to_enrol"] == 3
    assert inbox.in_training == [training[1], training[0]] and inbox.counts["in_training"] == 2
    assert inbox.to_place == [] and inbox.counts["to_place"] == 0
    page = read(client_for(users["pat"]).get(reverse("home")))
    assert page.count("Shown: the 2 oldest of 3.") == 1 and accepted[0].case.code not in page
    enrolled(6, "accepted"), enrolled(7, "enrolled")
    with CaptureQueriesContext(connection) as more:
        selectors.inbox_for(user=users["pat"])
    assert len(more) == len(few)
    assert sum('FROM "livelihoods_enrolment"' in q["sql"].split(" WHERE ")[0] for q in more) == 1
