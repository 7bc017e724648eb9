"""Transfers of a case between agencies: proposed under consent (or a recorded override) by the
owning agency's supervisor, answered by the receiving agency's supervisor, withdrawn while pending;
on acceptance the whole case moves and the former owner keeps only its own open work
(docs/decisions/0033)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reintegra.access import case_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases.models import Case, CaseEvent, Task
from reintegra.lib import clock
from reintegra.referrals.models import Referral
from reintegra.transfers import services
from reintegra.transfers.models import Transfer, TransferStatus

from ..cases.conftest import refer, share_with
from ..conftest import api_client_for, client_for, make_agency, make_user
from .conftest import consent_to, propose


def detail_url(transfer):
    return reverse("transfers:detail", kwargs={"transfer_id": transfer.pk})


def action_url(transfer, action):
    return reverse("transfers:action", kwargs={"transfer_id": transfer.pk, "action": action})


def test_refused_without_consent_unless_a_supervisor_records_why(case, users, network):
    client = client_for(users["sam"])
    url = reverse("transfers:propose", kwargs={"code": case.code})
    response = client.post(url, {"to_agency": network.beta.pk, "reason": "Moved to Cebu."})
    assert response.status_code == 400
    assert "No consent covers handing the whole case" in response.content.decode()
    assert "Moved to Cebu." in response.content.decode()  # the form keeps what was typed
    assert not Transfer.objects.exists()
    response = client.post(
        url, {"to_agency": network.beta.pk, "reason": "Moved to Cebu.", "override_reason": "Urgent protection."}
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response.url == detail_url(transfer)
    assert transfer.override_by == users["sam"] and transfer.consent is None


def test_a_consent_for_some_categories_only_does_not_cover_a_transfer(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["profile"])
    with pytest.raises(ValidationError) as refusal:
        propose(users["sam"], case, network.beta)
    assert "override_reason" in refusal.value.message_dict


def test_propose_rules(case, users, network):
    consent_to(users["alice"], case, network.beta)
    client = client_for(users["sam"])
    url = reverse("transfers:propose", kwargs={"code": case.code})
    for data, field in (
        ({"to_agency": network.beta.pk, "reason": ""}, "Say why the case moves."),
        ({"reason": "x"}, "Choose the agency that takes the case."),
        ({"to_agency": 999999, "reason": "x"}, "Select a valid choice"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400 and field in response.content.decode()
    assert client_for(users["alice"]).get(url).status_code == 403  # a caseworker does not transfer
    assert client_for(users["bella"]).get(url).status_code == 404  # nor another agency
    propose(users["sam"], case, network.beta)
    with pytest.raises(ValidationError):
        propose(users["sam"], case, network.beta)  # one pending transfer at a time


def test_pending_shows_in_both_queues_and_only_the_receiver_answers(pending, users):
    for name in ("sam", "bella", "alice", "bob"):
        page = client_for(users[name]).get(reverse("transfers:list")).content.decode()
        assert pending.case.code in page
    assert client_for(users["pat"]).get(detail_url(pending)).status_code in (403, 404)
    # The proposing side does not accept; a caseworker of the receiving agency does not either.
    assert client_for(users["sam"]).post(action_url(pending, "accept"), {}).status_code == 403
    assert client_for(users["bob"]).post(action_url(pending, "accept"), {}).status_code == 403
    assert client_for(users["bella"]).post(action_url(pending, "withdraw"), {}).status_code == 403
    page = client_for(users["bella"]).get(detail_url(pending)).content.decode()
    assert 'id="accept-form"' in page and 'id="decline-form"' in page and 'id="withdraw-form"' not in page
    assert "bob" in page and "0 open cases" in page


def test_the_proposer_never_accepts_even_in_both_roles(case, users, network):
    consent_to(users["alice"], case, network.beta)
    transfer = propose(users["sam"], case, network.beta)
    users["sam"].agency = network.beta
    users["sam"].save()
    with pytest.raises(ValidationError):
        services.transfer_move(actor=users["sam"], transfer=transfer, move="accept", caseworker=users["bob"])


def test_decline_needs_a_reason_and_keeps_the_case(pending, users):
    client = client_for(users["bella"])
    response = client.post(action_url(pending, "decline"), {"reason": ""})
    assert response.status_code == 400 and "Say why the case is declined." in response.content.decode()
    response = client.post(action_url(pending, "decline"), {"reason": "No office in that province."})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == TransferStatus.DECLINED and pending.decided_by == users["bella"]
    assert Case.objects.get(pk=pending.case_id).agency_id == users["sam"].agency_id


def test_withdraw_while_pending(pending, users):
    response = client_for(users["sam"]).post(action_url(pending, "withdraw"), {"reason": ""})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == TransferStatus.WITHDRAWN
    response = client_for(users["bella"]).post(action_url(pending, "accept"), {"caseworker": users["bob"].pk})
    assert response.status_code == 400  # no longer waiting


def test_accept_needs_a_caseworker_of_the_receiving_agency(pending, users):
    client = client_for(users["bella"])
    response = client.post(action_url(pending, "accept"), {})
    assert response.status_code == 400 and "Choose the caseworker who takes the case." in response.content.decode()
    response = client.post(action_url(pending, "accept"), {"caseworker": users["alice"].pk})
    assert response.status_code == 400 and "Choose one of the caseworkers listed." in response.content.decode()
    assert Transfer.objects.get(pk=pending.pk).status == TransferStatus.PENDING


def test_acceptance_moves_the_whole_case(pending, users, network):
    case = pending.case
    today = clock.today()
    on_case = {"case": case, "case_agency": network.alpha, "due_on": today}
    open_task = Task.objects.create(title="Call back", agency=network.alpha, assignee=users["alice"], **on_case)
    done_task = Task.objects.create(
        title="Old", agency=network.alpha, assignee=users["alice"], done_at=clock.now(), **on_case
    )
    # The trainer's own task on the case it was referred: its agency stays, whose the case is moves.
    trainers = Task.objects.create(title="Welcome", agency=network.trainer, **on_case)
    share_with(users["alice"], case, network.trainer, categories=["profile"])
    referral = refer(users["alice"], case, network.trainer, categories=["profile"])
    client_for(users["pat"]).post(reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": "accept"}))
    response = client_for(users["bella"]).post(action_url(pending, "accept"), {"caseworker": users["bob"].pk})
    assert response.status_code == 302 and response.url == reverse("cases:detail", kwargs={"code": case.code})
    case.refresh_from_db()
    assert case.agency == network.beta and case.caseworker == users["bob"]
    open_task.refresh_from_db()
    done_task.refresh_from_db()
    assert open_task.agency == network.beta and open_task.assignee == users["bob"]
    assert done_task.agency == network.alpha  # history stays as it was
    trainers.refresh_from_db()
    assert trainers.agency == network.trainer
    # Every task on the case knows whose the case now is (decisions/0047).
    assert {t.case_agency for t in (open_task, done_task, trainers)} == {network.beta}
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.from_agency == network.beta  # stays active, new sender
    # The new owner reads the whole case; the former owner's people get a 404.
    page = client_for(users["bob"]).get(reverse("cases:detail", kwargs={"code": case.code}))
    assert page.status_code == 200 and "Call back" in page.content.decode()
    assert "Alpha Welfare Office" in page.content.decode()  # held by: the former agency, until the transfer
    for name in ("alice", "sam"):
        assert client_for(users[name]).get(reverse("cases:detail", kwargs={"code": case.code})).status_code == 404
    assert client_for(users["pat"]).get(reverse("cases:detail", kwargs={"code": case.code})).status_code == 200
    summaries = list(CaseEvent.objects.filter(case=case).values_list("summary", flat=True))
    assert "Transfer to %(agency)s proposed." in summaries
    assert "Transfer to %(agency)s accepted: the case is now kept there." in summaries
    assert AuditEvent.objects.filter(details__move="accept").exists()
    rows = services.held_by(case)
    assert [r["agency"] for r in rows] == [network.alpha, network.beta]
    # The former owner's today page no longer lists the moved task.
    assert "Call back" not in client_for(users["alice"]).get(reverse("home")).content.decode()
    assert "Call back" in client_for(users["bob"]).get(reverse("home")).content.decode()


def test_former_owner_keeps_its_referral_as_receiver(case, users, network):
    """Decision 0033: after a transfer the former owner sees the case only through a referral it
    receives, like any other provider."""
    consent_to(users["alice"], case, network.beta)
    transfer = propose(users["sam"], case, network.beta)
    services.transfer_move(actor=users["bella"], transfer=transfer, move="accept", caseworker=users["bob"])
    case.refresh_from_db()
    share_with(users["bob"], case, network.alpha, categories=["profile"])
    referral = refer(users["bob"], case, network.alpha, categories=["profile"])
    client = client_for(users["alice"])
    assert client.get(reverse("cases:detail", kwargs={"code": case.code})).status_code == 404
    client.post(reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": "accept"}))
    assert Referral.objects.get(pk=referral.pk).status == "accepted"
    page = client.get(reverse("cases:detail", kwargs={"code": case.code}))
    assert page.status_code == 200 and "through a referral" in page.content.decode()
    assert client.get(reverse("cases:edit", kwargs={"code": case.code})).status_code == 404


def test_withdrawn_consent_stops_an_acceptance(case, users, network):
    from reintegra.cases import services as case_services

    consent = consent_to(users["alice"], case, network.beta)
    transfer = propose(users["sam"], case, network.beta)
    case_services.consent_withdraw(actor=users["alice"], consent=consent)
    with pytest.raises(ValidationError):
        services.transfer_move(actor=users["bella"], transfer=transfer, move="accept", caseworker=users["bob"])


def test_api_propose_accept_and_wrong_sides(case, users, network):
    consent_to(users["alice"], case, network.beta)
    response = api_client_for(users["sam"]).post(
        "/api/v1/transfers/", {"case": case.code, "to_agency": "beta-dswd", "reason": "Moved."}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["moves"] == ["withdraw"]
    assert api_client_for(users["alice"]).post(f"/api/v1/transfers/{pk}/withdraw/", {}).status_code == 403
    assert api_client_for(users["pat"]).get(f"/api/v1/transfers/{pk}/").status_code == 404
    assert api_client_for(users["bella"]).get("/api/v1/transfers/999999/").status_code == 404
    bella = api_client_for(users["bella"])
    assert bella.post(f"/api/v1/transfers/{pk}/accept/", {"caseworker": "alice"}, format="json").status_code == 400
    response = bella.post(f"/api/v1/transfers/{pk}/accept/", {"caseworker": "bob"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert Case.objects.get(pk=case.pk).agency == network.beta


def test_assignment_with_caseload(case, users, network):
    carol = make_user("carol", network.alpha, "caseworker")
    today = clock.today()
    on_case = {"case": case, "case_agency": network.alpha, "due_on": today, "agency": network.alpha}
    mine = Task.objects.create(title="Visit", assignee=users["alice"], **on_case)
    other = Task.objects.create(title="Call", assignee=users["sam"], **on_case)
    url = reverse("transfers:assign", kwargs={"code": case.code})
    assert client_for(users["alice"]).get(url).status_code == 403
    assert client_for(users["alice"]).post(url, {"caseworker": carol.pk}).status_code == 403
    page = client_for(users["sam"]).get(url).content.decode()
    assert "1 open cases" in page and "carol" in page  # alice keeps one open case
    response = client_for(users["sam"]).post(url, {"caseworker": users["bob"].pk})
    assert response.status_code == 400 and "Choose one of the caseworkers listed." in response.content.decode()
    response = client_for(users["sam"]).post(url, {"caseworker": carol.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    mine.refresh_from_db()
    other.refresh_from_db()
    assert case.caseworker == carol and mine.assignee == carol and other.assignee == users["sam"]
    # The new caseworker's today page follows the assignment; the former one's no longer lists the task.
    assert "Visit" in client_for(carol).get(reverse("home")).content.decode()
    assert "Visit" not in client_for(users["alice"]).get(reverse("home")).content.decode()
    assert CaseEvent.objects.filter(case=case, summary="Case assigned to %(person)s.").exists()
    assert AuditEvent.objects.filter(details__caseworker=carol.pk).exists()


def test_assignment_api(case, users, network):
    carol = make_user("carol", network.alpha, "caseworker")
    url = f"/api/v1/cases/{case.code}/assign/"
    assert api_client_for(users["alice"]).post(url, {"caseworker": "carol"}, format="json").status_code == 403
    assert api_client_for(users["bella"]).post(url, {"caseworker": "bob"}, format="json").status_code == 404
    assert api_client_for(users["sam"]).post(url, {"caseworker": "nobody"}, format="json").status_code == 400
    assert api_client_for(users["sam"]).post(url, {"caseworker": "carol"}, format="json").status_code == 200
    assert Case.objects.get(pk=case.pk).caseworker == carol


def test_no_transfer_to_an_inactive_agency_nor_by_a_caseworker(case, users, network):
    gone = make_agency("zeta-closed", name="Zeta", active=False)
    consent_to(users["alice"], case, gone)
    with pytest.raises(ValidationError) as refusal:
        propose(users["sam"], case, gone)
    assert "to_agency" in refusal.value.message_dict
    with pytest.raises(PermissionDenied):
        propose(users["alice"], case, network.beta)


def test_supervisors_today_page_shows_waiting_transfers_both_ways(pending, users):
    for name in ("sam", "bella"):
        page = client_for(users[name]).get(reverse("home")).content.decode()
        assert 'id="transfers-waiting"' in page and pending.case.code in page and detail_url(pending) in page
    assert 'id="transfers-waiting"' not in client_for(users["alice"]).get(reverse("home")).content.decode()


def test_a_plan_waiting_for_approval_moves_to_the_new_agency_s_queue(pending, users, network):
    """The plan keeps its case's agency beside it (the supervisors' queue reads it by its own index):
    a transfer moves it with the case."""
    from reintegra.home.selectors import queues_for
    from reintegra.plans import services as plan_services

    alice, case = users["alice"], pending.case
    plan = plan_services.plan_start(actor=alice, case=case)
    plan = plan_services.plan_update(
        actor=alice, plan=plan, version=plan.version, returnee_took_part=True, returnee_agreed_on=clock.today()
    )
    plan_services.goal_add(actor=alice, plan=plan, domain="economic", description="A steady income.")
    plan_services.plan_move(actor=alice, plan=plan, move="submit")
    assert queues_for(user=users["sam"], agency=network.alpha.pk).counts["plans"] == 1
    services.transfer_move(actor=users["bella"], transfer=pending, move="accept", caseworker=users["bob"])
    plan.refresh_from_db()
    assert plan.agency == network.beta
    assert queues_for(user=users["sam"], agency=network.alpha.pk).counts["plans"] == 0
    assert queues_for(user=users["bella"], agency=network.beta.pk).counts["plans"] == 1


def test_the_enrolments_move_to_the_new_agency_s_lists(pending, users, network):
    """An enrolment keeps its case's agency beside it (the agency's lists read it by their own index):
    a transfer moves it with the case, and the former owner no longer lists it."""
    from reintegra.access import enrolment_list_for_user
    from reintegra.livelihoods import enrolments
    from reintegra.livelihoods import services as livelihood_services
    from reintegra.livelihoods.models import Enrolment

    from ..livelihoods.conftest import WELDING

    alice, case = users["alice"], pending.case
    option = livelihood_services.opportunity_save(actor=users["cora"], provider=network.alpha, **WELDING)
    access = case_get_for_user(alice, code=case.code, for_edit=True)
    enrolment = enrolments.enrolment_recommend(actor=alice, access=access, opportunity=option)
    assert enrolment.agency == network.alpha and list(enrolment_list_for_user(users["sam"])) == [enrolment]
    services.transfer_move(actor=users["bella"], transfer=pending, move="accept", caseworker=users["bob"])
    assert Enrolment.objects.get(pk=enrolment.pk).agency == network.beta
    assert list(enrolment_list_for_user(users["bella"])) == [enrolment]
    assert list(enrolment_list_for_user(users["alice"])) == []  # (Alpha provides it, but nobody referred her)
