"""Each kind of event tells the right people once, never the person who acted, and links to the
page where the action is (issue 16)."""

import pytest
from django.core import mail
from django.urls import reverse

from reintegra.access import case_get_for_user
from reintegra.accounts.models import Role
from reintegra.cases import services as case_services
from reintegra.notifications.models import Kind, Notification
from reintegra.plans import services as plan_services
from reintegra.referrals import services as referral_services
from reintegra.transfers import services as transfer_services

from ..cases.conftest import refer, share_with
from ..conftest import make_user
from ..plans.test_plan_actions import fresh, ready_plan, submit
from ..transfers.conftest import consent_to, propose

NAMES = ("Somsri", "Kaewmanee", "234 5678", "Mae Sai", "somsri.k")


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def assert_nothing_personal() -> None:
    """No notice nor e-mail carries the returnee's name, contact or place."""
    texts = [f"{n.kind} {n.case_code} {n.link} {n.key}" for n in Notification.objects.all()]
    texts += [f"{m.subject}\n{m.body}" for m in mail.outbox]
    for text in texts:
        for word in NAMES:
            assert word not in text


@pytest.fixture
def referral(case, users, network, with_email, django_capture_on_commit_callbacks):
    share_with(users["alice"], case, network.beta)
    with django_capture_on_commit_callbacks(execute=True):
        return refer(users["alice"], case, network.beta)


def test_a_referral_received_tells_the_receiving_agency_not_the_sender(referral, case):
    assert told(Kind.REFERRAL_RECEIVED) == ["bella", "bob"]
    notice = Notification.objects.filter(kind=Kind.REFERRAL_RECEIVED).first()
    assert notice.case_code == case.code
    assert notice.link == reverse("referrals:detail", args=[referral.pk])
    assert sorted(m.to[0] for m in mail.outbox) == ["bella@example.org", "bob@example.org"]
    assert case.code in mail.outbox[0].body and "https://reintegra.example.org/referrals/" in mail.outbox[0].body
    assert_nothing_personal()


@pytest.mark.parametrize(
    ("move", "extra", "kind"),
    [
        ("accept", {}, Kind.REFERRAL_ACCEPTED),
        ("decline", {"reason": "No beds this month."}, Kind.REFERRAL_DECLINED),
    ],
)
def test_an_answer_to_a_referral_tells_its_sender(referral, users, move, extra, kind):
    referral_services.referral_move(actor=users["bob"], referral=referral, move=move, **extra)
    assert told(kind) == ["alice"]


def test_a_referral_ended_tells_its_sender_but_not_who_ended_it(referral, users):
    referral_services.referral_move(actor=users["bob"], referral=referral, move="accept")
    referral_services.referral_move(actor=users["bob"], referral=referral, move="complete", confirmed=True)
    assert told(Kind.REFERRAL_ENDED) == ["alice"]


def test_a_referral_revoked_by_its_sender_does_not_tell_the_sender(referral, users):
    referral_services.referral_move(actor=users["bob"], referral=referral, move="accept")
    referral_services.referral_move(
        actor=users["alice"], referral=referral, move="revoke", reason="Family moved.", confirmed=True
    )
    assert told(Kind.REFERRAL_ENDED) == []


def test_a_plan_submitted_tells_the_supervisors_and_the_decision_tells_the_author(case, users, network):
    from ..conftest import make_user

    make_user("sue", network.alpha, "supervisor")
    plan = submit(users["alice"], case, ready_plan(users["alice"], case))
    assert told(Kind.PLAN_SUBMITTED) == ["sam", "sue"]
    assert Notification.objects.filter(kind=Kind.PLAN_SUBMITTED).first().link == reverse(
        "plans:plan", kwargs={"code": case.code}
    )
    plan_services.plan_move(actor=users["sam"], plan=plan, move="approve")
    assert told(Kind.PLAN_APPROVED) == ["alice"]
    # The supervisor changes the approved plan: it goes back to draft, and its author is told.
    plan_services.goal_add(actor=users["sam"], plan=fresh(plan), domain="social", description="Join a group")
    assert told(Kind.PLAN_SENT_BACK) == ["alice"]
    assert_nothing_personal()


def test_the_author_changing_their_own_plan_is_not_told(case, users):
    plan = submit(users["alice"], case, ready_plan(users["alice"], case))
    plan_services.goal_add(actor=users["alice"], plan=fresh(plan), domain="social", description="Join a group")
    assert told(Kind.PLAN_SENT_BACK) == []


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_closure_request_tells_the_supervisors_and_the_decision_tells_the_requester(case, users, decision):
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Stable job for a year.")
    assert told(Kind.CLOSURE_REQUESTED) == ["sam"]
    assert Notification.objects.get(kind=Kind.CLOSURE_REQUESTED).link == reverse("cases:detail", args=[case.code])
    case_services.closure_move(actor=users["sam"], case=case, move=decision)
    assert told(Kind.CLOSURE_DECIDED) == ["alice"]
    assert_nothing_personal()


@pytest.mark.parametrize(("answer", "extra"), [("accept", "bob"), ("decline", None)])
def test_a_transfer_proposed_tells_the_receiving_supervisors_and_its_answer_the_proposer(
    case, users, network, answer, extra
):
    consent_to(users["alice"], case, network.beta)
    transfer = propose(users["sam"], case, network.beta)
    assert told(Kind.TRANSFER_PROPOSED) == ["bella"]
    assert Notification.objects.get(kind=Kind.TRANSFER_PROPOSED).link == reverse("transfers:detail", args=[transfer.pk])
    options = {"caseworker": users[extra]} if extra else {"reason": "No caseworker free in Cebu."}
    transfer_services.transfer_move(actor=users["bella"], transfer=transfer, move=answer, **options)
    assert told(Kind.TRANSFER_ANSWERED) == ["sam"]
    # The caseworker chosen on acceptance is told the case is theirs now.
    assert told(Kind.CASE_ASSIGNED) == ([extra] if extra else [])
    assert_nothing_personal()


def test_a_transfer_withdrawn_tells_the_receiving_supervisors(case, users, network):
    consent_to(users["alice"], case, network.beta)
    transfer = propose(users["sam"], case, network.beta)
    transfer_services.transfer_move(actor=users["sam"], transfer=transfer, move="withdraw", reason="She stays.")
    assert told(Kind.TRANSFER_WITHDRAWN) == ["bella"]
    assert told(Kind.TRANSFER_ANSWERED) == []


def test_a_case_assigned_within_the_agency_tells_its_new_caseworker_not_the_supervisor(case, users, network):
    kim = make_user("kim", network.alpha, Role.CASEWORKER)
    access = case_get_for_user(users["sam"], code=case.code, for_edit=True)
    transfer_services.case_assign(actor=users["sam"], access=access, caseworker=kim)
    assert told(Kind.CASE_ASSIGNED) == ["kim"]
    notice = Notification.objects.get(kind=Kind.CASE_ASSIGNED)
    assert notice.case_code == case.code and notice.link == reverse("cases:detail", args=[case.code])
    # A supervisor who takes the case themselves is not told of their own act.
    access = case_get_for_user(users["sam"], code=case.code, for_edit=True)
    transfer_services.case_assign(actor=users["sam"], access=access, caseworker=users["sam"])
    assert told(Kind.CASE_ASSIGNED) == ["kim"]
    assert_nothing_personal()


def test_an_inactive_supervisor_is_not_told(case, users):
    users["sam"].is_active = False
    users["sam"].save(update_fields=["is_active"])
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Stable job for a year.")
    assert told(Kind.CLOSURE_REQUESTED) == []
