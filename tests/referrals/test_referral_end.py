"""The end of a referral strands no work (decisions/0018): completing or revoking it while an
enrolment still needs the provider shows what remains and asks for a confirmation; after completion
the provider keeps exactly the enrolments whose work remains, and their follow-ups, nothing else of
the case, until that work is done."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reintegra.access import enrolment_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import handover
from reintegra.livelihoods.models import Enrolment
from reintegra.referrals import services as referral_services
from reintegra.referrals.models import Referral

from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import api_client_for, client_for

SHARED = ("identity", "profile", "livelihood")
DAY = datetime.timedelta(days=1)
NOT_FOUND = "Nothing here for you"


def read(response) -> str:
    return html.unescape(response.content.decode())


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def referral_url(referral: Referral, action: str = "") -> str:
    if action:
        return reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": action})
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def enrolment_url(enrolment: Enrolment) -> str:
    return f"/livelihoods/enrolments/{enrolment.pk}/"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def case(users):
    return case_services.case_open(actor=users["alice"], **IDENTITY)


def send_to_trainer(users, case, network):
    share_with(users["alice"], case, network.trainer, categories=SHARED)
    referral = refer(users["alice"], case, network.trainer, categories=SHARED, service=network.trainer.services.get())
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    return fresh(referral)


@pytest.fixture
def referral(users, case, network, catalogue):
    """Alpha referred the person to Gamma's welding course; Gamma accepted."""
    return send_to_trainer(users, case, network)


@pytest.fixture
def in_training(users, referral, catalogue, today):
    """Gamma enrolled the person on its paid apprenticeship 60 days ago, from the referral."""
    paid, _unpaid = catalogue
    return handover.enrolment_from_referral(
        actor=users["pat"], referral=referral, opportunity=paid, to="enrolled", on=today - 60 * DAY
    )


@pytest.fixture
def placed(users, in_training, today):
    """Gamma placed the person in a job 20 days ago: four income follow-ups are due."""
    access = enrolment_get_for_user(users["pat"], enrolment_id=in_training.pk)
    flow.placement_record(
        actor=users["pat"],
        access=access,
        kind="job",
        employer_name="Chiang Rai Electric",
        isco="74",
        started_on=today - 20 * DAY,
        monthly_income=None,
        currency="",
    )
    in_training.refresh_from_db()
    assert in_training.status == "placed" and in_training.follow_ups.count() == 4
    return in_training


def complete(users, referral):
    return referral_services.referral_move(actor=users["pat"], referral=referral, move="complete", confirmed=True)


def record_follow_up(client, enrolment, follow_up, today):
    return client.post(
        f"/livelihoods/enrolments/{enrolment.pk}/follow-ups/{follow_up.pk}/",
        {"done_on": today.isoformat(), "employment": "employed", "monthly_income": "9500", "currency": "THB"},
    )


# --- The warning before ---------------------------------------------------------------------------------


def test_completing_with_a_person_in_training_shows_what_remains_and_asks_for_a_confirmation(
    users, referral, in_training
):
    pat = client_for(users["pat"])
    page = read(pat.get(referral_url(referral)))
    warning = page.split('id="dependent-work-complete"')[1].split("</div>")[0]
    assert in_training.opportunity.title in warning and "the completion or the drop-out" in warning
    assert "Your agency keeps this enrolment until that is done." in warning
    assert 'name="confirm"' in page.split('id="complete-form"')[1].split("</form>")[0]

    refused = pat.post(referral_url(referral, "complete"), {})
    assert refused.status_code == 400 and "Confirm to complete." in read(refused)
    assert fresh(referral).status == "accepted" and fresh(referral).ended_at is None

    done = pat.post(referral_url(referral, "complete"), {"confirm": "on"})
    assert done.status_code == 302 and fresh(referral).status == "completed"
    audited = AuditEvent.objects.get(
        object_type="referrals.referral", object_id=str(referral.pk), details__move="complete"
    )
    assert audited.details["dependent_enrolments"] == [in_training.pk]


def test_the_service_refuses_an_unconfirmed_end_and_changes_nothing(users, referral, in_training):
    with pytest.raises(ValidationError) as refused:
        referral_services.referral_move(actor=users["pat"], referral=referral, move="complete")
    assert "confirm" in refused.value.message_dict
    assert fresh(referral).status == "accepted"


def test_a_referral_nothing_depends_on_completes_with_one_click(users, referral):
    page = read(client_for(users["pat"]).get(referral_url(referral)))
    assert 'id="dependent-work-complete"' not in page and 'id="complete-form"' not in page
    response = client_for(users["pat"]).post(referral_url(referral, "complete"))
    assert response.status_code == 302 and fresh(referral).status == "completed"


def test_an_offer_waiting_for_the_answer_is_not_kept_and_the_warning_says_who_records_it(
    users, case, referral, catalogue
):
    _paid, unpaid = catalogue
    offered = handover.enrolment_from_referral(actor=users["pat"], referral=referral, opportunity=unpaid, to="offered")
    warning = read(client_for(users["pat"]).get(referral_url(referral))).split('id="dependent-work-complete"')[1]
    assert "The caseworker at Alpha Welfare Office takes it on." in warning.split("</div>")[0]
    complete(users, referral)
    assert client_for(users["pat"]).get(enrolment_url(offered)).status_code == 404
    assert client_for(users["alice"]).get(enrolment_url(offered)).status_code == 200


# --- What the provider keeps, and nothing more --------------------------------------------------------


def test_after_completion_the_provider_reads_and_records_the_follow_ups_and_nothing_else_of_the_case(
    users, case, network, referral, placed, catalogue, today
):
    _paid, unpaid = catalogue
    finished = Enrolment.objects.create(  # an earlier enrolment on Gamma's course, done with long ago
        case=case,
        agency_id=case.agency_id,
        opportunity=unpaid,
        status="dropped_out",
        recommended_by=users["alice"],
        recommended_on=today - 300 * DAY,
        referral=referral,
    )
    other_case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Malee"}))
    elsewhere = send_to_trainer(users, other_case, network)
    elsewhere_enrolment = handover.enrolment_from_referral(
        actor=users["pat"], referral=elsewhere, opportunity=unpaid, to="offered"
    )
    referral_services.referral_move(
        actor=users["alice"], referral=elsewhere, move="revoke", reason="Moved away.", confirmed=True
    )
    complete(users, referral)

    pat = client_for(users["pat"])
    page = read(pat.get(enrolment_url(placed)))
    assert 'id="kept-after-referral"' in page and "Next: record the income follow-up at 1 month." in page
    follow_up = placed.follow_ups.get(months=1)
    assert record_follow_up(pat, placed, follow_up, today).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_by == users["pat"] and follow_up.task.done_at is not None
    # the rest of the case, the referral's finished enrolment and another person's are closed to it
    for url in (
        f"/cases/{case.code}/",
        f"/livelihoods/case/{case.code}/",
        enrolment_url(finished),
        enrolment_url(elsewhere_enrolment),
        f"/cases/{other_case.code}/",
    ):
        response = pat.get(url)
        assert response.status_code == 404 and NOT_FOUND in read(response), url
    assert [e.pk for e in pat.get("/livelihoods/enrolments/").context["rows"]] == [placed.pk]
    assert "Open the case" not in read(pat.get(referral_url(referral)))
    api = api_client_for(users["pat"])
    assert api.get(f"/api/v1/enrolments/{placed.pk}/").status_code == 200
    assert api.get(f"/api/v1/enrolments/{finished.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.code}/").status_code == 404
    assert api_client_for(users["alice"]).get(f"/api/v1/cases/{case.code}/").status_code == 200
    assert [f["months"] for f in api.get("/api/v1/follow-ups/", {"open": "true"}).json()["results"]] == [3, 6, 12]


def test_the_last_follow_up_ends_what_the_provider_kept(users, referral, placed, today):
    complete(users, referral)
    pat = client_for(users["pat"])
    for follow_up in placed.follow_ups.order_by("months")[:3]:
        assert record_follow_up(pat, placed, follow_up, today).status_code == 302
        assert pat.get(enrolment_url(placed)).status_code == 200
    last = placed.follow_ups.get(months=12)
    response = record_follow_up(pat, placed, last, today)
    assert response.status_code == 302 and response["Location"] == "/livelihoods/enrolments/"
    landing = pat.get(response["Location"])
    assert "no longer shown to you" in read(landing)
    gone = pat.get(enrolment_url(placed))
    assert gone.status_code == 404 and NOT_FOUND in read(gone)
    assert api_client_for(users["pat"]).get("/api/v1/follow-ups/").json()["results"] == []
    # the case's agency keeps all of it
    page = read(client_for(users["alice"]).get(enrolment_url(placed)))
    assert "Every income follow-up is recorded: nothing is left." in page


def test_a_drop_out_recorded_after_completion_ends_what_the_provider_kept(users, referral, in_training, today):
    complete(users, referral)
    pat = client_for(users["pat"])
    assert pat.get(enrolment_url(in_training)).status_code == 200
    response = pat.post(
        f"/livelihoods/enrolments/{in_training.pk}/status/",
        {
            "version": in_training.version,
            "to": "dropped_out",
            "reason": "Found work on a farm",
            "on": today.isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/livelihoods/enrolments/"
    assert pat.get(enrolment_url(in_training)).status_code == 404


def test_a_completion_recorded_after_the_referral_keeps_the_provider_on_for_the_follow_ups(
    users, referral, in_training, today
):
    complete(users, referral)
    api = api_client_for(users["pat"])
    in_training.refresh_from_db()
    done = api.post(
        f"/api/v1/enrolments/{in_training.pk}/status/",
        {"to": "completed", "version": in_training.version, "on": today.isoformat()},
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["next_step"] == (
        "Next: record the placement when the person starts work, and record the income follow-up at 1 month."
    )
    assert api.get(f"/api/v1/enrolments/{in_training.pk}/").status_code == 200


def test_withdrawing_the_consent_ends_what_the_provider_kept(users, referral, placed):
    complete(users, referral)
    assert client_for(users["pat"]).get(enrolment_url(placed)).status_code == 200
    case_services.consent_withdraw(actor=users["alice"], consent=referral.consent)
    assert client_for(users["pat"]).get(enrolment_url(placed)).status_code == 404


# --- Revoking keeps nothing ----------------------------------------------------------------------------


def test_revoking_with_work_left_warns_the_sender_keeps_what_was_typed_and_ends_all_access(
    users, referral, in_training
):
    alice = client_for(users["alice"])
    page = read(alice.get(referral_url(referral)))
    warning = page.split('id="dependent-work-revoke"')[1].split("</div>")[0]
    assert "Gamma Skills Centre still has work on this person's livelihood options:" in warning
    assert in_training.opportunity.title in warning
    refused = alice.post(referral_url(referral, "revoke"), {"reason": "The returnee asked us to stop."})
    assert refused.status_code == 400 and "Confirm to revoke." in read(refused)
    assert "The returnee asked us to stop." in read(refused)  # what was typed is still there
    assert fresh(referral).status == "accepted"
    done = alice.post(referral_url(referral, "revoke"), {"reason": "The returnee asked us to stop.", "confirm": "on"})
    assert done.status_code == 302 and fresh(referral).status == "revoked"
    assert client_for(users["pat"]).get(enrolment_url(in_training)).status_code == 404


def test_revoking_a_later_referral_releases_what_an_earlier_completion_kept(users, case, network, referral, placed):
    complete(users, referral)
    later = send_to_trainer(users, case, network)
    referral_services.referral_move(
        actor=users["alice"], referral=later, move="revoke", reason="Safety concern.", confirmed=True
    )
    assert client_for(users["pat"]).get(enrolment_url(placed)).status_code == 404


def test_the_api_asks_for_the_same_confirmation(users, referral, in_training):
    api = api_client_for(users["pat"])
    url = f"/api/v1/referrals/{referral.pk}/complete/"
    refused = api.post(url, {}, format="json")
    assert refused.status_code == 400 and "confirm" in refused.json()["error"]["fields"]
    assert in_training.opportunity.title in refused.json()["error"]["fields"]["confirm"][0]
    assert fresh(referral).status == "accepted"
    done = api.post(url, {"confirm": True}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["moves"] == []


# --- Closing the case ends every referral and what a completion kept (issue 12, finding 7) --------


def close(users, case):
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Settled in Lamphun.")
    return case_services.closure_move(actor=users["sam"], case=case, move="approve")


def test_closing_the_case_ends_its_open_referrals_with_a_line_and_an_audit_record_each(users, case, referral):
    pat = client_for(users["pat"])
    assert pat.get(f"/cases/{case.code}/").status_code == 200
    close(users, case)
    ended = fresh(referral)
    assert ended.status == "revoked" and ended.status_reason == "Case closed." and ended.ended_at is not None
    assert pat.get(f"/cases/{case.code}/").status_code == 404
    assert api_client_for(users["pat"]).get(f"/api/v1/cases/{case.code}/").status_code == 404
    moved = AuditEvent.objects.filter(
        object_type="referrals.referral", object_id=str(referral.pk), details__move="case_closed"
    )
    assert moved.count() == 1
    closure = AuditEvent.objects.filter(object_type="cases.case", details__closure_approved=True).get()
    assert closure.details["referrals_ended"] == 1
    assert any(e.text == "Case closed." for e in case.events.filter(kind="referral"))


def test_the_closure_decision_says_what_ends(users, case, referral):
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Settled in Lamphun.")
    page = read(client_for(users["sam"]).get(f"/cases/{case.code}/"))
    assert "Approving ends the case's open referrals" in page
    done = client_for(users["sam"]).post(f"/cases/{case.code}/closure/decision/", {"approve": "1"}, follow=True)
    assert "its referrals have ended" in read(done)


def test_closing_the_case_ends_what_a_completed_referral_kept(users, case, referral, placed):
    complete(users, referral)
    assert client_for(users["pat"]).get(enrolment_url(placed)).status_code == 200
    close(users, case)
    assert client_for(users["pat"]).get(enrolment_url(placed)).status_code == 404
    assert api_client_for(users["pat"]).get(f"/api/v1/enrolments/{placed.pk}/").status_code == 404


# --- After revocation or a withdrawn consent the receiver reads the status only (finding 7) -------

SECRET = "Her creditor waits at the bus station in Mae Sai."


def referral_with_words(users, case, network):
    share_with(users["alice"], case, network.trainer, categories=SHARED)
    referral = refer(
        users["alice"],
        case,
        network.trainer,
        categories=SHARED,
        service=network.trainer.services.get(),
        reason_text=SECRET,
    )
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    return fresh(referral)


@pytest.mark.parametrize("end", ["revoke", "consent", "closure"])
def test_once_access_ends_the_receiver_reads_the_referrals_status_but_not_its_reasons(users, case, network, end):
    referral = referral_with_words(users, case, network)
    pat_page, pat_api = client_for(users["pat"]), api_client_for(users["pat"])
    assert SECRET in read(pat_page.get(referral_url(referral)))
    assert pat_api.get(f"/api/v1/referrals/{referral.pk}/").json()["reason_text"] == SECRET
    if end == "revoke":
        referral_services.referral_move(
            actor=users["alice"], referral=referral, move="revoke", reason="Mae Sai is not safe.", confirmed=True
        )
    elif end == "consent":
        case_services.consent_withdraw(actor=users["alice"], consent=referral.consent)
    else:
        close(users, case)
    page = read(pat_page.get(referral_url(referral)))
    assert SECRET not in page and "Mae Sai is not safe." not in page and "Additional services required" not in page
    assert 'id="referral-withheld"' in page and "Revoked" in page
    for body in (
        pat_api.get(f"/api/v1/referrals/{referral.pk}/").json(),
        next(r for r in pat_api.get("/api/v1/referrals/").json()["results"] if r["id"] == referral.pk),
    ):
        assert body["withheld"] is True and body["status"] == "revoked"
        assert body["reason_text"] == "" and body["reasons"] == [] and body["status_reason"] == ""
    # the sending agency still reads everything
    assert SECRET in read(client_for(users["alice"]).get(referral_url(referral)))
    assert api_client_for(users["alice"]).get(f"/api/v1/referrals/{referral.pk}/").json()["withheld"] is False


@pytest.mark.parametrize("end", ["revoke", "consent", "closure"])
def test_once_access_ends_the_receiver_cannot_see_or_mark_done_its_tasks_on_the_case(users, case, network, end):
    from reintegra.cases import tasks as case_tasks
    from reintegra.cases.models import Task

    referral = referral_with_words(users, case, network)
    task = case_tasks.task_create(
        actor=users["pat"],
        case=case,
        title="Call about the welding course",
        due_on=timezone.localdate(),
        assignee=users["pat"],
    )
    pat_page, pat_api = client_for(users["pat"]), api_client_for(users["pat"])
    assert any(t["id"] == task.pk for t in pat_api.get("/api/v1/tasks/").json()["results"])
    if end == "revoke":
        referral_services.referral_move(
            actor=users["alice"], referral=referral, move="revoke", reason="Safety concern.", confirmed=True
        )
    elif end == "consent":
        case_services.consent_withdraw(actor=users["alice"], consent=referral.consent)
    else:
        close(users, case)
    assert pat_api.post(f"/api/v1/tasks/{task.pk}/done/").status_code == 404
    assert not any(t["id"] == task.pk for t in pat_api.get("/api/v1/tasks/").json()["results"])
    pat_page.post(f"/today/tasks/{task.pk}/done/", {"next": "/"})
    assert Task.objects.get(pk=task.pk).done_at is None
    assert "Call about the welding course" not in read(pat_page.get("/"))
