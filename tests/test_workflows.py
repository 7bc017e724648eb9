"""Every workflow table, read whole: each state reachable, each move with a rule for who may make it,
each move made through its service by a test below, and the docs' copy of the tables current."""

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases import erasure
from reintegra.cases import services as case_services
from reintegra.cases.management.commands.workflows import all_workflows
from reintegra.cases.models import CaseEvent, Task
from reintegra.cases.workflows import closure_state, erasure_state
from reintegra.lib.workflow import Move, Reason, Workflow
from reintegra.livelihoods import enrolments
from reintegra.livelihoods.models import Opportunity
from reintegra.plans import lost_contact
from reintegra.plans import services as plan_services
from reintegra.referrals import services as referral_services
from reintegra.transfers import services as transfer_services

from .cases.conftest import IDENTITY, refer, share_with
from .conftest import api_client_for, client_for
from .livelihoods.conftest import catalogue  # noqa: F401  (the options, for enrolments)
from .transfers.conftest import consent_to, propose

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = {w.name: w for w in all_workflows()}
MOVES = [(w.name, m.name) for w in WORKFLOWS.values() for m in w.moves]
DAY = datetime.timedelta(days=1)


def test_the_apps_declare_the_seven_workflows():
    assert set(WORKFLOWS) == {"case stage", "case closure", "erasure", "referral", "plan", "enrolment", "transfer"}


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_state_is_reachable_from_where_a_record_starts(name):
    workflow = WORKFLOWS[name]
    assert workflow.reachable() == set(workflow.states)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_move_names_who_may_make_it_and_nobody_both_may_and_may_not(name):
    for move in WORKFLOWS[name].moves:
        assert move.by, move.name
        assert not move.by & move.not_by, move.name
        assert move.sources, move.name


def test_the_architecture_document_shows_the_tables_as_the_code_declares_them():
    call_command("workflows", check=str(ROOT / "docs" / "architecture.md"))


# --- Every move, made through its service ---------------------------------------------------------


def reason_for(workflow_name, move_name):
    move = WORKFLOWS[workflow_name].move(move_name)
    return "Said by the returnee on the phone." if move.reason is not Reason.NONE else ""


def open_case(users, stage="identification"):
    return case_services.case_open(actor=users["alice"], stage=stage, **IDENTITY)


def make_case_stage_move(users, network, request, move_name):
    move = WORKFLOWS["case stage"].move(move_name)
    case = open_case(users, stage=move.sources[0])
    case_services.case_set_stage(
        actor=users["alice"],
        case=case,
        stage=move.target,
        version=case.version,
        reason=reason_for("case stage", move_name),
    )
    case.refresh_from_db()
    return case, case.stage


def make_case_closure_move(users, network, request, move_name):
    case = open_case(users)
    if move_name == "close_lost_contact":  # only from the queue of cases whose follow-ups were missed
        returned_on = timezone.localdate() - 400 * DAY
        case_services.return_record(
            actor=users["alice"], case=case, country_from="MY", returned_on=returned_on, return_type="deportation"
        )
        case = lost_contact.lost_contact_close(actor=users["sam"], case=case)
        case.refresh_from_db()
        return case, closure_state(case)
    steps = {"request": ["request"], "approve": ["request", "approve"], "decline": ["request", "decline"]}
    steps["reopen"] = ["request", "approve", "reopen"]
    for step in steps[move_name]:
        actor = users["sam"] if step in ("approve", "decline") else users["alice"]
        case = case_services.closure_move(actor=actor, case=case, move=step, reason=reason_for("case closure", step))
    case.refresh_from_db()
    return case, closure_state(case)


def make_erasure_move(users, network, request, move_name):
    case = open_case(users)
    for step in ["request"] if move_name == "request" else ["request", move_name]:
        actor = users["alice"] if step == "request" else users["sam"]
        erasure.erasure_move(actor=actor, case=case, move=step, reason=reason_for("erasure", step))
    case.refresh_from_db()
    return case, erasure_state(case)


def make_referral_move(users, network, request, move_name):
    case = open_case(users)
    consent = share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    before = {
        "accept": [],
        "decline": [],
        "cancel": [],
        "start": ["accept"],
        "complete": ["accept"],
        "revoke": ["accept"],
        "consent_withdrawn": ["accept"],
        "case_closed": ["accept"],
    }[move_name]
    for step in before:
        referral_services.referral_move(actor=users["bob"], referral=referral, move=step)
    if move_name == "consent_withdrawn":
        case_services.consent_withdraw(actor=users["alice"], consent=consent)
    elif move_name == "case_closed":
        case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Settled in Lamphun.")
        case_services.closure_move(actor=users["sam"], case=case, move="approve")
    else:
        actor = users["alice"] if move_name in ("cancel", "revoke") else users["bob"]
        referral_services.referral_move(
            actor=actor, referral=referral, move=move_name, reason=reason_for("referral", move_name)
        )
    referral.refresh_from_db()
    return referral, referral.status


def make_plan_move(users, network, request, move_name):
    case = open_case(users)
    plan = plan_services.plan_start(actor=users["alice"], case=case)
    plan = plan_services.plan_update(
        actor=users["alice"],
        plan=plan,
        version=plan.version,
        returnee_took_part=True,
        returnee_agreed_on=timezone.localdate(),
    )
    plan_services.goal_add(actor=users["alice"], plan=plan, domain="economic", description="A steady income.")
    plan_services.plan_move(actor=users["alice"], plan=plan, move="submit")
    if move_name in ("approve", "revise"):
        plan_services.plan_move(actor=users["sam"], plan=plan, move="approve")
    if move_name == "revise":  # a plan is revised by changing it
        plan_services.goal_add(actor=users["alice"], plan=plan, domain="health", description="See a doctor.")
    if move_name == "send_back":
        plan_services.plan_move(actor=users["sam"], plan=plan, move="send_back", reason=reason_for("plan", move_name))
    plan.refresh_from_db()
    return plan, plan.status


ENROLMENT_PATHS = {
    "offered": [],
    "accepted": ["offered"],
    "declined": ["offered"],
    "enrolled": ["offered", "accepted"],
    "dropped_out": ["offered", "accepted", "enrolled"],
    "completed": ["offered", "accepted", "enrolled"],
    "placed": ["offered", "accepted", "enrolled", "completed"],
    "withdrawn": ["offered"],
    "released": ["offered"],
}
# Moves only a supervisor of the case's agency makes.
SUPERVISOR_MOVES = {"withdrawn"}


def make_enrolment_move(users, network, request, move_name):
    paid, _unpaid = request.getfixturevalue("catalogue")
    case = open_case(users)
    today = timezone.localdate()
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    enrolment = enrolments.enrolment_recommend(
        actor=users["alice"], access=access, opportunity=paid, on=today - 9 * DAY
    )
    for step in [*ENROLMENT_PATHS[move_name], move_name]:
        enrolment.refresh_from_db()
        actor = users["sam"] if step in SUPERVISOR_MOVES else users["alice"]
        grant = enrolment_get_for_user(actor, enrolment_id=enrolment.pk)
        if step == "placed":
            enrolments.placement_record(
                actor=users["alice"],
                access=grant,
                kind="job",
                employer_name="Mae Sai Works",
                isco="74",
                started_on=today,
            )
            continue
        enrolments.enrolment_move(
            actor=actor,
            access=grant,
            to=step,
            on=today - DAY,
            reason=reason_for("enrolment", step),
            version=enrolment.version,
        )
    enrolment.refresh_from_db()
    return enrolment, enrolment.status


def make_transfer_move(users, network, request, move_name):
    case = open_case(users)
    consent_to(users["alice"], case, network.beta)
    transfer = propose(users["sam"], case, network.beta)  # the sending supervisor proposes
    actor = users["sam"] if move_name == "withdraw" else users["bella"]  # the receiving one answers
    transfer_services.transfer_move(
        actor=actor,
        transfer=transfer,
        move=move_name,
        reason=reason_for("transfer", move_name),
        caseworker=users["bob"] if move_name == "accept" else None,
    )
    transfer.refresh_from_db()
    return transfer, transfer.status


DRIVERS = {
    "case stage": make_case_stage_move,
    "case closure": make_case_closure_move,
    "erasure": make_erasure_move,
    "referral": make_referral_move,
    "plan": make_plan_move,
    "enrolment": make_enrolment_move,
    "transfer": make_transfer_move,
}


@pytest.mark.parametrize(("workflow_name", "move_name"), MOVES)
def test_every_move_is_made_through_its_service_with_one_audit_record(
    workflow_name, move_name, users, network, request
):
    assert workflow_name in DRIVERS, f"no test makes the moves of the {workflow_name} workflow"
    lines_before = CaseEvent.objects.count()
    record, state = DRIVERS[workflow_name](users, network, request, move_name)
    assert state == WORKFLOWS[workflow_name].move(move_name).target
    audited = AuditEvent.objects.filter(
        object_type=record._meta.label_lower, object_id=str(record.pk), details__move=move_name
    )
    assert audited.count() == 1
    assert CaseEvent.objects.count() > lines_before


# --- Refusals come from the tables ---------------------------------------------------------------


def test_a_party_the_table_does_not_name_is_refused_and_nothing_changes(users, network):
    case = open_case(users)
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    with pytest.raises(PermissionDenied):  # accepting is the receiving agency's move
        referral_services.referral_move(actor=users["alice"], referral=referral, move="accept")
    referral.refresh_from_db()
    assert referral.status == "pending" and referral.responded_at is None


def test_a_move_from_the_wrong_state_names_the_state_and_changes_nothing(users, network):
    case = open_case(users)
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    with pytest.raises(ValidationError) as refused:
        referral_services.referral_move(actor=users["bob"], referral=referral, move="start")
    assert "“Pending”" in str(refused.value) and "“In progress”" in str(refused.value)
    referral.refresh_from_db()
    assert referral.status == "pending"


def test_whoever_asked_for_a_closure_does_not_decide_it(users, network):
    case = open_case(users)
    case = case_services.closure_move(actor=users["sam"], case=case, move="request", reason="Settled in Lamphun.")
    with pytest.raises(ValidationError) as refused:
        case_services.closure_move(actor=users["sam"], case=case, move="approve")
    assert "does not decide" in str(refused.value)
    case.refresh_from_db()
    assert case.stage == "identification" and case.closure_requested_at is not None


def test_going_back_a_stage_needs_a_reason_and_forward_does_not(users):
    case = open_case(users, stage="reintegration")
    with pytest.raises(ValidationError) as refused:
        case_services.case_set_stage(actor=users["alice"], case=case, stage="shelter_assistance", version=case.version)
    assert "earlier stage" in str(refused.value)
    case.refresh_from_db()
    assert case.stage == "reintegration"
    case = case_services.case_set_stage(actor=users["alice"], case=case, stage="follow_up", version=case.version)
    assert case.stage == "follow_up"


def test_a_consent_withdrawal_is_not_a_move_anyone_can_make_by_hand(users, network):
    case = open_case(users)
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    for user in (users["alice"], users["bob"], users["sam"]):
        with pytest.raises(PermissionDenied):
            referral_services.referral_move(actor=user, referral=referral, move="consent_withdrawn")
    referral.refresh_from_db()
    assert referral.status == "pending"


# --- What the pages and the API offer is what the table allows ----------------------------------


def test_the_api_lists_for_each_side_the_moves_it_may_make_on_a_referral(users, network):
    case = open_case(users)
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    url = f"/api/v1/referrals/{referral.pk}/"
    assert api_client_for(users["bob"]).get(url).json()["moves"] == ["accept", "decline"]
    assert api_client_for(users["alice"]).get(url).json()["moves"] == ["cancel"]
    referral_services.referral_move(actor=users["bob"], referral=referral, move="accept")
    assert api_client_for(users["bob"]).get(url).json()["moves"] == ["start", "complete"]
    assert api_client_for(users["alice"]).get(url).json()["moves"] == ["revoke"]


def test_the_referral_page_offers_the_buttons_of_the_moves_allowed_and_no_others(users, network):
    case = open_case(users)
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    action = f"/referrals/{referral.pk}/"
    receiver_page = client_for(users["bob"]).get(action).content.decode()
    sender_page = client_for(users["alice"]).get(action).content.decode()
    for move in ("accept", "decline"):
        assert f"{action}{move}/" in receiver_page and f"{action}{move}/" not in sender_page
    assert f"{action}cancel/" in sender_page and f"{action}cancel/" not in receiver_page
    for move in ("start", "complete", "revoke", "consent_withdrawn"):
        assert f"{action}{move}/" not in receiver_page + sender_page


def test_the_plan_offers_approval_only_to_a_supervisor_who_neither_wrote_nor_submitted_it(users, network, request):
    plan, _status = make_plan_move(users, network, request, "submit")
    url = f"/api/v1/plans/{plan.case.code}/"
    assert api_client_for(users["sam"]).get(url).json()["moves"] == ["approve", "send_back"]
    assert api_client_for(users["alice"]).get(url).json()["moves"] == []  # the author, a caseworker


def test_after_a_closure_move_the_api_says_who_may_make_the_next(users, network):
    case = open_case(users)
    url = f"/api/v1/cases/{case.code}/closure/"
    body = {"reason": "Settled with her aunt.", "reason_code": "moved"}
    response = api_client_for(users["alice"]).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["closure_moves"] == []  # alice asked: she waits
    decision = api_client_for(users["sam"]).post(f"{url}decision/", {"approve": True}, format="json")
    assert decision.status_code == 200 and decision.json()["closure_moves"] == ["reopen"]


# --- What the review of the engine found --------------------------------------------------------


def test_a_note_typed_beside_a_move_that_takes_no_reason_does_not_reach_the_timeline(users, network):
    case = open_case(users)
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    referral_services.referral_move(actor=users["bob"], referral=referral, move="accept", reason="a private note")
    assert not CaseEvent.objects.filter(case=case, text__isnull=False).exclude(text="").filter(kind="referral").exists()


def test_moving_a_case_to_the_stage_it_is_at_says_so_in_plain_words(users):
    case = open_case(users, stage="follow_up")
    with pytest.raises(ValidationError) as refused:
        case_services.case_set_stage(actor=users["alice"], case=case, stage="follow_up", version=case.version)
    assert refused.value.message_dict["stage"] == ["The case is already at this stage."]


def test_work_a_case_schedules_for_itself_goes_to_no_one_once_its_caseworker_left_the_agency(users, network):
    case = open_case(users)
    alice = users["alice"]
    alice.agency = network.beta
    alice.save(update_fields=["agency"])
    case_services.return_record(
        actor=users["sam"], case=case, country_from="MY", returned_on=timezone.localdate(), return_type="deportation"
    )
    scheduled = Task.objects.filter(case=case, is_follow_up=True)
    assert scheduled.count() == 4 and not scheduled.exclude(assignee=None).exists()


def test_completing_an_option_with_a_long_title_schedules_its_follow_ups(users, network, request):
    paid, _unpaid = request.getfixturevalue("catalogue")
    Opportunity.objects.filter(pk=paid.pk).update(title="Electrical installation " * 8)  # 192 characters
    enrolment, status = make_enrolment_move(users, network, request, "completed")
    assert status == "completed" and enrolment.follow_ups.count() == 4
    assert all(len(f.task.title) <= 200 for f in enrolment.follow_ups.all())


def test_the_api_lists_for_the_case_agency_and_the_provider_the_enrolment_moves_each_may_make(users, network, request):
    enrolment, _status = make_enrolment_move(users, network, request, "accepted")
    share_with(users["alice"], enrolment.case, network.trainer, categories=("identity", "profile", "livelihood"))
    referral = refer(users["alice"], enrolment.case, network.trainer, categories=("identity", "profile", "livelihood"))
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    detail = f"/api/v1/enrolments/{enrolment.pk}/"
    assert api_client_for(users["alice"]).get(detail).json()["moves"] == ["declined", "enrolled"]
    # the provider records the returnee's answer and the enrolment (decisions/0018)
    assert api_client_for(users["pat"]).get(detail).json()["moves"] == ["declined", "enrolled"]
    listed = api_client_for(users["pat"]).get("/api/v1/enrolments/").json()["results"]
    assert [row["moves"] for row in listed] == [["declined", "enrolled"]]


def test_the_first_income_follow_up_task_reads_one_month(users, network, request):
    enrolment, _status = make_enrolment_move(users, network, request, "completed")
    first = enrolment.follow_ups.get(months=1)
    assert first.task.title.startswith("Income follow-up, 1 month after ")
    assert enrolment.follow_ups.get(months=3).task.title.startswith("Income follow-up, 3 months after ")


# --- The person who asked never decides: a rule of the engine (issue 12, finding 6) ---------------

DECISIONS = {
    ("case closure", "approve"),
    ("case closure", "decline"),
    ("erasure", "confirm"),
    ("erasure", "decline"),
    ("plan", "approve"),
    ("plan", "send_back"),  # the supervisor who sends a plan back neither wrote nor submitted it
    ("transfer", "accept"),  # the supervisor who proposed a transfer never answers it
    ("transfer", "decline"),
}


def test_every_decision_names_who_asked_and_only_decisions_do():
    assert {(w.name, m.name) for w in WORKFLOWS.values() for m in w.moves if m.asked_by} == DECISIONS


def test_the_engine_refuses_a_decision_checked_without_the_record_or_the_actor():
    closure = WORKFLOWS["case closure"]
    with pytest.raises(TypeError):
        closure.check("requested", "approve", {"supervisor"})


def test_the_engine_refuses_the_asker_even_when_the_app_forgot_to_name_them(users, network, monkeypatch):
    """A parties_of that forgets the requester (the dodge of the outside test) changes nothing."""
    from reintegra.cases import services as services_module

    monkeypatch.setattr(services_module, "parties_of", lambda user, case: frozenset({"owner", "supervisor"}))
    case = open_case(users)
    case = case_services.closure_move(actor=users["sam"], case=case, move="request", reason="Settled in Lamphun.")
    for move in ("approve", "decline"):
        with pytest.raises(ValidationError) as refused:
            case_services.closure_move(actor=users["sam"], case=case, move=move)
        assert "does not decide" in str(refused.value)
    case.refresh_from_db()
    assert case.stage == "identification" and case.closure_requested_by == users["sam"]


def test_stamping_a_decision_refuses_whoever_asked_whatever_the_service_checked(users):
    from reintegra.lib.workflow import stamp

    case = open_case(users)
    case = case_services.closure_move(actor=users["sam"], case=case, move="request", reason="Settled in Lamphun.")
    approve = WORKFLOWS["case closure"].move("approve")
    with pytest.raises(ValidationError):
        stamp(case, approve, state_field=None, actor=users["sam"], now=timezone.now(), day=None)


def test_whoever_asked_for_a_closure_is_not_offered_the_decision_but_another_supervisor_is(users, network):
    from reintegra.accounts.models import Role

    from .conftest import make_user

    case = open_case(users)
    url = f"/api/v1/cases/{case.code}/closure/"
    body = {"reason": "Settled in Lamphun.", "reason_code": "moved"}
    response = api_client_for(users["sam"]).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["closure_moves"] == []  # sam asked: he waits
    other = make_user("sara", network.alpha, Role.SUPERVISOR)
    case.refresh_from_db()
    offered = WORKFLOWS["case closure"].allowed("requested", {"owner", "supervisor"}, record=case, actor=other)
    assert {m.name for m in offered} == {"approve", "decline"}
    assert not WORKFLOWS["case closure"].allowed("requested", {"owner", "supervisor"}, record=case, actor=users["sam"])
    refused = api_client_for(users["sam"]).post(f"{url}decision/", {"approve": True}, format="json")
    assert refused.status_code == 400
    decision = api_client_for(other).post(f"{url}decision/", {"approve": False}, format="json")
    assert decision.status_code == 200
    case.refresh_from_db()
    assert case.closure_requested_at is None and case.stage == "identification"


@pytest.mark.parametrize("asker", ["author", "submitter"])
def test_a_plan_is_never_approved_by_who_wrote_or_submitted_it_even_if_the_app_forgot(
    users, network, request, monkeypatch, asker
):
    from reintegra.plans import services as plan_module

    plan, _status = make_plan_move(users, network, request, "submit")
    plan.refresh_from_db()
    field = "author" if asker == "author" else "submitted_by"
    type(plan).objects.filter(pk=plan.pk).update(**{field: users["sam"]})
    monkeypatch.setattr(plan_module, "parties_of", lambda user, plan: frozenset({"owner", "supervisor"}))
    with pytest.raises(ValidationError) as refused:
        plan_services.plan_move(actor=users["sam"], plan=plan, move="approve")
    assert "never approved" in str(refused.value)
    plan.refresh_from_db()
    assert plan.status == "submitted" and plan.approved_by is None


def test_a_move_the_record_rules_out_is_neither_offered_nor_accepted():
    move = Move(
        "reopen",
        ("closed",),
        "open",
        by=frozenset({"owner"}),
        ruled_out=lambda record: record.erased,
        ruled_out_refusal="Erased.",
    )
    table = Workflow(name="t", states=("open", "closed"), initial=("closed",), moves=(move,))
    kept, erased = SimpleNamespace(erased=False), SimpleNamespace(erased=True)
    assert table.allowed("closed", {"owner"}, record=kept) == [move]
    assert table.allowed("closed", {"owner"}, record=erased) == []
    assert table.check("closed", "reopen", {"owner"}, record=kept) is move
    with pytest.raises(ValidationError, match="Erased."):
        table.check("closed", "reopen", {"owner"}, record=erased)
    with pytest.raises(PermissionDenied):  # who may not is told so first, as for any move
        table.check("closed", "reopen", {"receiver"}, record=erased)
    with pytest.raises(ValueError, match="says nothing"):
        Move("reopen", ("closed",), "open", by=frozenset({"owner"}), ruled_out=lambda record: True)
