"""A supervisor sends a submitted plan back to its author, saying what it needs (issue 16): the plan
is a draft again, as its next revision; the reason is on the case's timeline and on the plan's page;
the author and the submitter are told, without the reason. Whoever wrote or submitted the plan,
a caseworker, and another agency never send it back."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reintegra.accounts.models import AuditEvent, Role
from reintegra.cases.models import CaseEvent
from reintegra.notifications.models import Kind, Notification
from reintegra.plans import services
from reintegra.plans.models import PlanRevision

from ..cases.conftest import refer, share_with
from ..conftest import api_client_for, client_for, make_user
from ..html import parse, summary, values
from .test_plan_actions import flashes, fresh, plan_url, ready_plan, submit

REASON = "Add a goal for her children's schooling: it is her second priority."


@pytest.fixture
def submitted_plan(case, users):
    """Alice wrote and submitted the plan; Sam, her supervisor, reads it."""
    return submit(users["alice"], case, ready_plan(users["alice"], case))


@pytest.fixture
def beta_sees_the_plan(case, users, network):
    """Beta works on the case under a referral that shares the plan: it reads the plan, no more."""
    share_with(users["alice"], case, network.beta, categories=["profile", "plan"])
    referral = refer(users["alice"], case, network.beta, categories=["profile", "plan"])
    accept = reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": "accept"})
    assert client_for(users["bob"]).post(accept).status_code == 302


def unchanged(plan, before):
    saved = fresh(plan)
    assert (saved.status, saved.revision, saved.version, saved.submitted_by_id) == (
        before.status,
        before.revision,
        before.version,
        before.submitted_by_id,
    )
    assert not PlanRevision.objects.filter(plan=plan, event="sent_back").exists()
    assert not AuditEvent.objects.filter(object_type="plans.plan", details__move="send_back").exists()
    assert not Notification.objects.filter(kind=Kind.PLAN_SENT_BACK).exists()


# --- the supervisor sends it back ------------------------------------------------------------------


def test_a_supervisor_sends_a_submitted_plan_back_from_its_page(submitted_plan, case, users):
    page = client_for(users["sam"]).get(plan_url(case)).content.decode()
    assert plan_url(case, "send_back") in page and plan_url(case, "approve") in page
    response = client_for(users["sam"]).post(plan_url(case, "send_back"), {"reason": f"  {REASON} "}, follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    assert flashes(response) == [("success", "Plan sent back to its author.")]
    saved = fresh(submitted_plan)
    assert (saved.status, saved.revision, saved.submitted_by, saved.approved_by) == ("draft", 2, None, None)
    # The revision as it was sent back is kept beside the one submitted.
    kept = PlanRevision.objects.get(plan=saved, event="sent_back")
    assert (kept.revision, kept.by) == (1, users["sam"])
    assert kept.snapshot["goals"][0]["description"] == "Electrician job"
    audited = AuditEvent.objects.get(object_type="plans.plan", object_id=str(saved.pk), details__move="send_back")
    assert audited.actor == users["sam"] and audited.details["status"] == "draft"
    # The author reads on the plan's page what it needs, until she submits it again.
    page = parse(client_for(users["alice"]).get(plan_url(case)).content)
    notice = page.by_id("plan-sent-back")
    assert notice is not None and REASON in notice.text and "Revision 1" in notice.text and "sam" in notice.text


def test_the_timeline_shows_the_plan_sent_back_and_why(submitted_plan, case, users):
    services.plan_move(actor=users["sam"], plan=submitted_plan, move="send_back", reason=REASON)
    line = CaseEvent.objects.filter(case=case, category="plan").order_by("-at", "-pk").first()
    assert line.display_summary == "Plan revision 1 sent back; revision 2 started."
    assert line.text == REASON and line.actor == users["sam"]
    page = client_for(users["alice"]).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Plan revision 1 sent back; revision 2 started." in page
    assert "Add a goal for her children&#x27;s schooling" in page


def test_the_plan_sent_back_is_changed_submitted_again_and_approved(submitted_plan, case, users):
    services.plan_move(actor=users["sam"], plan=submitted_plan, move="send_back", reason=REASON)
    plan = fresh(submitted_plan)
    services.goal_add(actor=users["alice"], plan=plan, domain="education", description="Enrol the children")
    assert fresh(plan).revision == 2  # a draft changed: still the revision the sending back started
    plan = submit(users["alice"], case, fresh(plan))
    assert client_for(users["alice"]).get(plan_url(case)).context["sent_back"] is None
    services.plan_move(actor=users["sam"], plan=plan, move="approve")
    saved = fresh(plan)
    assert (saved.status, saved.revision, saved.approved_by) == ("approved", 2, users["sam"])
    events = list(PlanRevision.objects.filter(plan=saved).order_by("at", "pk").values_list("revision", "event"))
    assert events == [(1, "submitted"), (1, "sent_back"), (2, "submitted"), (2, "approved")]
    assert len(PlanRevision.objects.get(plan=saved, event="approved").snapshot["goals"]) == 2


# --- who is told -----------------------------------------------------------------------------------


def test_the_author_and_the_submitter_are_told_once_and_the_notice_carries_no_reason(case, users, network):
    sue = make_user("sue", network.alpha, Role.SUPERVISOR)
    plan = ready_plan(users["alice"], case)  # alice wrote it; sam submits it; sue sends it back
    submit(users["sam"], case, plan)
    Notification.objects.all().delete()
    services.plan_move(actor=sue, plan=fresh(plan), move="send_back", reason=REASON)
    told = Notification.objects.filter(kind=Kind.PLAN_SENT_BACK)
    assert sorted(n.recipient.username for n in told) == ["alice", "sam"]
    assert {(n.case_code, n.link) for n in told} == {(case.code, plan_url(case))}
    assert not Notification.objects.exclude(kind=Kind.PLAN_SENT_BACK).exists()
    for notice in told:
        assert "schooling" not in " ".join(str(v) for v in vars(notice).values())


def test_the_author_who_submitted_is_told_once(submitted_plan, users):
    services.plan_move(actor=users["sam"], plan=submitted_plan, move="send_back", reason=REASON)
    assert list(
        Notification.objects.filter(kind=Kind.PLAN_SENT_BACK).values_list("recipient__username", flat=True)
    ) == ["alice"]


# --- who may not -----------------------------------------------------------------------------------


@pytest.mark.parametrize("asker", ["author", "submitter"])
def test_who_wrote_or_submitted_the_plan_never_sends_it_back_even_as_a_supervisor(case, users, network, asker):
    sue = make_user("sue", network.alpha, Role.SUPERVISOR)
    plan = ready_plan(users["sam"] if asker == "author" else users["alice"], case)
    plan = submit(users["sam"], case, plan)  # sam wrote or submitted it
    before = fresh(plan)
    assert plan_url(case, "send_back") not in client_for(users["sam"]).get(plan_url(case)).content.decode()
    with pytest.raises(PermissionDenied):
        services.plan_move(actor=users["sam"], plan=plan, move="send_back", reason=REASON)
    assert client_for(users["sam"]).post(plan_url(case, "send_back"), {"reason": REASON}).status_code == 403
    url = f"/api/v1/plans/{case.code}/send-back/"
    assert api_client_for(users["sam"]).post(url, {"reason": REASON}, format="json").status_code == 403
    unchanged(plan, before)
    assert plan_url(case, "send_back") in client_for(sue).get(plan_url(case)).content.decode()


def test_a_caseworker_never_sends_a_plan_back_even_one_she_did_not_write(submitted_plan, case, users, network):
    amy = make_user("amy", network.alpha, Role.CASEWORKER)
    before = fresh(submitted_plan)
    for person in (amy, users["alice"]):
        assert plan_url(case, "send_back") not in client_for(person).get(plan_url(case)).content.decode()
        with pytest.raises(PermissionDenied):
            services.plan_move(actor=person, plan=submitted_plan, move="send_back", reason=REASON)
        # Refused before the reason is read: a caseworker is not asked for one.
        assert client_for(person).post(plan_url(case, "send_back"), {"reason": ""}).status_code == 403
        api = api_client_for(person).post(f"/api/v1/plans/{case.code}/send-back/", {"reason": REASON}, format="json")
        assert api.status_code == 403
    unchanged(submitted_plan, before)


def test_another_agencys_supervisor_never_sends_the_plan_back(submitted_plan, case, users, beta_sees_the_plan):
    before = fresh(submitted_plan)
    bella = users["bella"]
    assert client_for(bella).get(plan_url(case)).status_code == 200  # she reads it under the referral
    assert plan_url(case, "send_back") not in client_for(bella).get(plan_url(case)).content.decode()
    with pytest.raises(PermissionDenied):
        services.plan_move(actor=bella, plan=submitted_plan, move="send_back", reason=REASON)
    assert client_for(bella).post(plan_url(case, "send_back"), {"reason": REASON}).status_code == 404
    api = api_client_for(bella).post(f"/api/v1/plans/{case.code}/send-back/", {"reason": REASON}, format="json")
    assert api.status_code == 404
    unchanged(submitted_plan, before)


def test_the_engine_refuses_the_asker_even_when_the_app_forgot_to_name_them(submitted_plan, users, monkeypatch):
    from reintegra.plans import services as plan_module

    type(submitted_plan).objects.filter(pk=submitted_plan.pk).update(submitted_by=users["sam"])
    monkeypatch.setattr(plan_module, "parties_of", lambda user, plan: frozenset({"owner", "supervisor"}))
    before = fresh(submitted_plan)
    with pytest.raises(ValidationError):
        services.plan_move(actor=users["sam"], plan=submitted_plan, move="send_back", reason=REASON)
    unchanged(submitted_plan, before)


# --- the reason, and the state -----------------------------------------------------------------------


def test_the_reason_is_required_and_its_field_is_named(submitted_plan, case, users):
    before = fresh(submitted_plan)
    with pytest.raises(ValidationError) as refused:
        services.plan_move(actor=users["sam"], plan=submitted_plan, move="send_back", reason="   ")
    assert refused.value.message_dict == {"reason": ["Say what the plan needs before it can be approved."]}
    response = client_for(users["sam"]).post(plan_url(case, "send_back"), {"reason": " "})
    assert response.status_code == 400
    assert summary(response.content) == ["What the plan needs: Say what the plan needs before it can be approved."]
    page = parse(response.content)
    assert page.by_id("send_back-reason_error").text
    assert "open" in next(a for a in page.by_id("send_back-form").ancestors() if a.tag == "details").attrs
    api = api_client_for(users["sam"]).post(f"/api/v1/plans/{case.code}/send-back/", {}, format="json")
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {"reason": ["Say what the plan needs before it can be approved."]}
    unchanged(submitted_plan, before)


def test_markup_in_the_reason_is_refused_beside_the_field_and_the_text_kept(submitted_plan, case, users):
    before = fresh(submitted_plan)
    typed = "Needs <b>a goal</b> for schooling"
    response = client_for(users["sam"]).post(plan_url(case, "send_back"), {"reason": typed})
    assert response.status_code == 400
    page = parse(response.content)
    assert values(page.by_id("send_back-form"))["reason"] == [typed]
    assert page.by_id("send_back-reason_error").text
    with pytest.raises(ValidationError) as refused:
        services.plan_move(actor=users["sam"], plan=submitted_plan, move="send_back", reason=typed)
    assert "reason" in refused.value.message_dict
    unchanged(submitted_plan, before)


def test_a_plan_approved_meanwhile_is_not_sent_back_and_the_typed_reason_is_kept(submitted_plan, case, users, network):
    sue = make_user("sue", network.alpha, Role.SUPERVISOR)
    services.plan_move(actor=sue, plan=submitted_plan, move="approve")
    before = fresh(submitted_plan)
    response = client_for(users["sam"]).post(plan_url(case, "send_back"), {"reason": REASON})
    assert response.status_code == 400
    page = parse(response.content)
    assert values(page.by_id("send_back-form"))["reason"] == [REASON]
    [text] = summary(response.content)
    assert "“Approved”" in text and "“Draft”" in text
    assert fresh(submitted_plan).status == "approved" and before.status == "approved"
    assert not PlanRevision.objects.filter(plan=submitted_plan, event="sent_back").exists()


def test_a_draft_is_not_sent_back(case, users):
    plan = ready_plan(users["alice"], case)
    with pytest.raises(ValidationError) as refused:
        services.plan_move(actor=users["sam"], plan=plan, move="send_back", reason=REASON)
    assert "status" in refused.value.message_dict
    assert fresh(plan).status == "draft" and fresh(plan).revision == 1


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_offers_and_makes_the_sending_back(submitted_plan, case, users):
    sam = api_client_for(users["sam"])
    url = f"/api/v1/plans/{case.code}/"
    assert sam.get(url).json()["moves"] == ["approve", "send_back"]
    response = sam.post(f"{url}send-back/", {"reason": REASON}, format="json")
    assert response.status_code == 200
    body = response.json()
    # A draft again: sam, of the owning agency, could submit it; he no longer decides on it.
    assert (body["status"], body["revision"], body["moves"]) == ("draft", 2, ["submit"])
    assert [(r["revision"], r["event"]) for r in body["revisions"]][:1] == [(1, "sent_back")]
    assert api_client_for(users["alice"]).get(url).json()["moves"] == ["submit"]
    line = CaseEvent.objects.filter(case=case, category="plan").order_by("-at", "-pk").first()
    assert line.text == REASON
    assert list(
        Notification.objects.filter(kind=Kind.PLAN_SENT_BACK).values_list("recipient__username", flat=True)
    ) == ["alice"]
