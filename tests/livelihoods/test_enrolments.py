"""From recommendation to income: the workflow, its rules, and who may record what."""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from reintegra.access import case_get_for_user, enrolment_get_for_user, enrolment_list_for_user
from reintegra.cases.models import Task
from reintegra.lib.dates import add_months
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import selectors
from reintegra.livelihoods.models import (
    OPTION_FIELDS,
    Enrolment,
    IncomeFollowUp,
    Opportunity,
    Placement,
    StipendPayment,
    values_of,
)
from reintegra.referrals import services as referral_services

from ..cases.conftest import refer, share_with

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DaysAgo:
    """A date in a parametrized case, counted back from the day the test runs."""

    days: int


def dated(values, today):
    return {key: today - value.days * DAY if isinstance(value, DaysAgo) else value for key, value in values.items()}


@pytest.fixture
def today():
    """Today's date when the test runs: taken at import, it would be yesterday's after midnight."""
    return timezone.localdate()


def recommend(users, case, option, on=None, **extra):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    return flow.enrolment_recommend(actor=users["alice"], access=access, opportunity=option, on=on, **extra)


def move(user, enrolment, to, on=None, reason=""):
    enrolment.refresh_from_db()
    access = enrolment_get_for_user(user, enrolment_id=enrolment.pk)
    return flow.enrolment_move(actor=user, access=access, to=to, on=on, reason=reason, version=enrolment.version)


def refer_to_trainer(users, case, network):
    share_with(users["alice"], case, network.trainer, categories=("identity", "profile", "livelihood"))
    referral = refer(users["alice"], case, network.trainer, categories=("identity", "profile", "livelihood"))
    referral_services.referral_move(move="accept", actor=users["pat"], referral=referral)
    return referral


@pytest.fixture
def enrolled(users, case, network, catalogue, today):
    """Somsri accepted the electrician apprenticeship 60 days ago and is enrolled with Gamma."""
    paid, _unpaid = catalogue
    refer_to_trainer(users, case, network)
    enrolment = recommend(users, case, paid, on=today - 60 * DAY)
    move(users["alice"], enrolment, "offered", on=today - 59 * DAY)
    move(users["alice"], enrolment, "accepted", on=today - 58 * DAY)
    move(users["pat"], enrolment, "enrolled", on=today - 57 * DAY)
    enrolment.refresh_from_db()
    return enrolment


def test_a_declined_option_keeps_the_reason_and_is_not_offered_again_unasked(users, case, catalogue):
    paid, _unpaid = catalogue
    enrolment = recommend(users, case, paid)
    move(users["alice"], enrolment, "declined", reason="I want to work near my mother")
    enrolment.refresh_from_db()
    assert enrolment.status == "declined" and enrolment.decline_reason == "I want to work near my mother"
    with pytest.raises(ValidationError) as refused:
        recommend(users, case, paid)
    assert "not offered again unless they ask" in str(refused.value)
    assert "I want to work near my mother" in str(refused.value)
    again = recommend(users, case, paid, asked_by_returnee=True)
    assert again.asked_by_returnee and again.status == "recommended"
    enrolment.refresh_from_db()
    assert enrolment.decline_reason == "I want to work near my mother"  # the first answer is kept


def test_a_decline_needs_the_returnees_reason(users, case, catalogue):
    enrolment = recommend(users, case, catalogue[0])
    with pytest.raises(ValidationError) as refused:
        move(users["alice"], enrolment, "declined", reason="  ")
    assert "reason" in refused.value.message_dict
    enrolment.refresh_from_db()
    assert enrolment.status == "recommended"


def test_moves_outside_the_workflow_are_refused(users, case, catalogue):
    enrolment = recommend(users, case, catalogue[0])
    with pytest.raises(ValidationError) as refused:
        move(users["alice"], enrolment, "completed")
    assert "cannot become" in str(refused.value)


def test_seats_are_taken_from_acceptance(users, case, network, catalogue):
    from reintegra.cases import services as case_services
    from reintegra.livelihoods import services

    from ..cases.conftest import IDENTITY

    paid, _ = catalogue
    services.opportunity_save(
        actor=users["cora"], opportunity=paid, version=paid.version, **(values_of(paid, OPTION_FIELDS) | {"seats": 1})
    )
    first = recommend(users, case, paid)
    move(users["alice"], first, "offered")
    move(users["alice"], first, "accepted")
    other = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Malee"}))
    second = recommend(users, other, paid)
    move(users["alice"], second, "offered")
    with pytest.raises(ValidationError) as refused:
        move(users["alice"], second, "accepted")
    assert "All 1 seats" in str(refused.value)


def listed(user) -> list[Enrolment]:
    """The enrolments the user works on (read by the parts of the access rule, merged); they are those of
    the rule as one condition, in the same order."""
    whole = list(selectors.enrolments_for_user(user=user))
    assert whole == list(enrolment_list_for_user(user).order_by("-updated_at", "-pk"))
    return whole


def test_an_agency_offering_no_option_is_asked_for_no_provided_enrolment(users, network, enrolled):
    """The enrolments on an agency's options are looked for only when it offers one (at a million, that
    read walked every enrolment of the network for a government agency): Alpha offers none, the
    trainer does; the trainer's offer of one option is enough to be asked again."""
    from django.db.models.query import EmptyQuerySet

    from reintegra.access.livelihoods import enrolment_parts_for_user

    _own, provided = enrolment_parts_for_user(users["alice"])
    assert isinstance(provided, EmptyQuerySet) and listed(users["alice"]) == [enrolled]
    Opportunity.objects.filter(pk=enrolled.opportunity_id).update(provider=network.alpha)
    _own, provided = enrolment_parts_for_user(users["alice"])
    assert not isinstance(provided, EmptyQuerySet)


def test_provider_staff_see_and_record_only_the_people_referred_to_them(users, case, network, enrolled, today):
    pat = users["pat"]
    assert listed(pat) == [enrolled]
    move(pat, enrolled, "completed", on=today - 40 * DAY)
    # the decision is the returnee's, recorded by their caseworker, not by the provider
    from reintegra.cases import services as case_services

    from ..cases.conftest import IDENTITY

    other = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Malee"}))
    not_referred = recommend(users, other, enrolled.opportunity)
    assert listed(pat) == [enrolled]
    with pytest.raises(Http404):
        enrolment_get_for_user(pat, enrolment_id=not_referred.pk)
    access = enrolment_get_for_user(pat, enrolment_id=enrolled.pk)
    assert access.provider and not access.own
    # the provider follows the people it trained (decisions/0018): its record closes the caseworker's task
    follow_up = enrolled.follow_ups.first()
    flow.follow_up_record(actor=pat, access=access, follow_up=follow_up, done_on=today, employment="looking")
    follow_up.refresh_from_db()
    assert follow_up.done_by == pat and follow_up.task.done_at is not None


def test_provider_staff_lose_sight_when_the_referral_ends(users, case, network, enrolled):
    referral = enrolled.referral
    assert referral is not None and referral.to_agency == network.trainer
    from reintegra.cases import services as case_services

    case_services.consent_withdraw(actor=users["alice"], consent=referral.consent)
    assert listed(users["pat"]) == []
    with pytest.raises(Http404):
        enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)


def test_provider_staff_record_the_returnees_answer_to_an_option_the_caseworker_recommended(
    users, case, network, catalogue
):
    refer_to_trainer(users, case, network)
    enrolment = recommend(users, case, catalogue[0])
    move(users["pat"], enrolment, "offered")
    move(users["pat"], enrolment, "accepted")
    enrolment.refresh_from_db()
    assert enrolment.status == "accepted" and not enrolment.proposed_by_provider


def test_another_agency_cannot_move_an_enrolment_it_does_not_provide(users, case, network, catalogue):
    refer_to_trainer(users, case, network)
    enrolment = recommend(users, case, catalogue[0])
    access = enrolment_get_for_user(users["alice"], enrolment_id=enrolment.pk)
    outsider = replace(access, own=False, provider=False)  # a grant no access helper would give
    with pytest.raises(PermissionDenied):
        flow.enrolment_move(actor=users["bob"], access=outsider, to="offered", version=enrolment.version)


def test_outsiders_see_no_enrolment(users, enrolled):
    for name in ("bob", "bella", "ana", "cora", "charlie"):
        assert listed(users[name]) == []
        with pytest.raises(Http404):
            enrolment_get_for_user(users[name], enrolment_id=enrolled.pk)


def test_completion_schedules_income_follow_ups_with_tasks_at_1_3_6_and_12_months(users, enrolled, today):
    completed_on = datetime.date(today.year - 1, 1, 31)
    Enrolment.objects.filter(pk=enrolled.pk).update(
        recommended_on=completed_on - 90 * DAY, enrolled_on=completed_on - 80 * DAY
    )
    move(users["pat"], enrolled, "completed", on=completed_on)
    follow_ups = list(enrolled.follow_ups.order_by("months"))
    leap = (completed_on.year % 4 == 0 and completed_on.year % 100 != 0) or completed_on.year % 400 == 0
    expected = [
        datetime.date(completed_on.year, 2, 29 if leap else 28),
        datetime.date(completed_on.year, 4, 30),
        datetime.date(completed_on.year, 7, 31),
        datetime.date(completed_on.year + 1, 1, 31),
    ]
    assert [f.months for f in follow_ups] == [1, 3, 6, 12]
    assert [f.due_on for f in follow_ups] == expected
    tasks = Task.objects.filter(pk__in=[f.task_id for f in follow_ups]).order_by("due_on")
    assert [t.due_on for t in tasks] == expected
    assert all(t.assignee == users["alice"] and t.is_follow_up for t in tasks)
    # placement later does not schedule a second set
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    flow.placement_record(
        actor=users["pat"],
        access=access,
        kind="job",
        employer_name="Chiang Rai Electric Co.",
        isco="74",
        started_on=completed_on + 10 * DAY,
        contract="fixed_term",
        monthly_income=Decimal(11000),
        currency="THB",
    )
    assert IncomeFollowUp.objects.filter(enrolment=enrolled).count() == 4


def test_a_job_schedules_follow_ups_from_the_start_of_work(users, enrolled, today):
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    start = today - 20 * DAY
    flow.placement_record(
        actor=users["pat"], access=access, kind="job", employer_name="Mae Sai Works", isco="74", started_on=start
    )
    enrolled.refresh_from_db()
    assert enrolled.status == "placed"
    assert [f.due_on for f in enrolled.follow_ups.order_by("months")] == [add_months(start, m) for m in (1, 3, 6, 12)]
    assert enrolled.follow_ups.count() == 4


def test_a_completed_training_without_placement_raises_an_alert_after_30_days(users, enrolled, today):
    alice = users["alice"]
    move(users["pat"], enrolled, "completed", on=today - 29 * DAY)
    assert list(selectors.placement_alerts(user=alice)) == []
    Enrolment.objects.filter(pk=enrolled.pk).update(ended_on=today - 30 * DAY)
    assert list(selectors.placement_alerts(user=alice)) == [enrolled]
    assert list(selectors.placement_alerts(user=users["sam"], agency_wide=True)) == [enrolled]
    assert list(selectors.placement_alerts(user=users["sam"])) == []  # not Sam's case
    assert list(selectors.placement_alerts(user=users["bob"], agency_wide=True)) == []
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    flow.placement_record(
        actor=users["pat"],
        access=access,
        kind="business",
        isco="74",
        started_on=today - 5 * DAY,
        business_type="Electrical repairs",
        business_status="operating",
        finance="grant",
        finance_amount=Decimal(15000),
        currency="THB",
    )
    assert list(selectors.placement_alerts(user=alice)) == []


def test_the_tasks_page_shows_the_alert_to_the_caseworker(users, enrolled, today):
    from ..conftest import client_for

    move(users["pat"], enrolled, "completed", on=today - 45 * DAY)
    body = client_for(users["alice"]).get("/cases/tasks/").content.decode()
    assert "no placement" in body and enrolled.case.code in body
    assert "no placement" not in client_for(users["bob"]).get("/cases/tasks/").content.decode()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": Decimal(3000), "currency": ""}, "currency"),
        ({"amount": Decimal(-5), "currency": "THB"}, "amount"),
        ({"amount": Decimal(3000), "currency": "THB", "paid_on": DaysAgo(90)}, "paid_on"),
        ({"amount": Decimal(3000), "currency": "XYZ"}, "currency"),
    ],
)
def test_bad_stipend_payments_are_refused_and_nothing_is_saved(users, enrolled, values, field, today):
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    with pytest.raises(ValidationError) as refused:
        flow.stipend_record(actor=users["pat"], access=access, **({"paid_on": today} | dated(values, today)))
    assert field in refused.value.message_dict
    assert StipendPayment.objects.count() == 0


def test_stipend_payments_are_recorded(users, enrolled, today):
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    flow.stipend_record(actor=users["pat"], access=access, paid_on=today, amount=Decimal(6000), currency="thb")
    assert StipendPayment.objects.get().currency == "THB"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"monthly_income": Decimal(9000)}, "currency"),
        ({"started_on": DaysAgo(100)}, "started_on"),
        ({"isco": "7"}, "isco"),
        ({"employer_name": ""}, "employer_name"),
        ({"monthly_income": Decimal(-1), "currency": "THB"}, "monthly_income"),
    ],
)
def test_bad_placements_are_refused_and_nothing_is_saved(users, enrolled, values, field, today):
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    good = {"kind": "job", "employer_name": "Mae Sai Works", "isco": "74", "started_on": today - 3 * DAY}
    with pytest.raises(ValidationError) as refused:
        flow.placement_record(actor=users["pat"], access=access, **(good | dated(values, today)))
    assert field in refused.value.message_dict
    enrolled.refresh_from_db()
    assert enrolled.status == "enrolled" and not Placement.objects.exists() and not enrolled.follow_ups.exists()


def test_an_income_follow_up_before_the_enrolment_is_refused(users, enrolled, today):
    move(users["pat"], enrolled, "completed", on=today - 10 * DAY)
    access = enrolment_get_for_user(users["alice"], enrolment_id=enrolled.pk)
    follow_up = enrolled.follow_ups.get(months=1)
    with pytest.raises(ValidationError) as refused:
        flow.follow_up_record(
            actor=users["alice"], access=access, follow_up=follow_up, done_on=today - 58 * DAY, employment="looking"
        )
    assert "before the enrolment" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        flow.follow_up_record(
            actor=users["alice"],
            access=access,
            follow_up=follow_up,
            done_on=today,
            employment="employed",
            monthly_income=Decimal(8000),
        )
    assert "currency" in refused.value.message_dict
    follow_up.refresh_from_db()
    assert follow_up.done_on is None and follow_up.task.done_at is None


def test_an_income_follow_up_closes_its_task(users, enrolled, today):
    move(users["pat"], enrolled, "completed", on=today - 10 * DAY)
    access = enrolment_get_for_user(users["alice"], enrolment_id=enrolled.pk)
    follow_up = enrolled.follow_ups.get(months=1)
    flow.follow_up_record(
        actor=users["alice"],
        access=access,
        follow_up=follow_up,
        done_on=today,
        employment="employed_other",
        monthly_income=Decimal(8500),
        currency="THB",
        debt_outstanding=Decimal(20000),
    )
    follow_up.refresh_from_db()
    assert follow_up.employment == "employed_other" and follow_up.task.done_at is not None


def test_an_option_restricted_to_women_is_not_recommended_to_a_man(users, network, catalogue):
    from reintegra.cases import services as case_services
    from reintegra.livelihoods import services

    from ..cases.conftest import IDENTITY

    _paid, unpaid = catalogue
    services.opportunity_save(
        actor=users["cora"],
        opportunity=unpaid,
        version=unpaid.version,
        **values_of(unpaid, OPTION_FIELDS)
        | {"gender_restriction": "female", "gender_restriction_reason": "Held in a women's shelter"},
    )
    unpaid.refresh_from_db()
    man = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Somchai", "gender": "Masculine"}))
    with pytest.raises(ValidationError) as refused:
        recommend(users, man, unpaid)
    assert "restricted" in str(refused.value)


def test_the_enrolment_is_an_action_of_the_plan_and_its_progress_shows_there(users, case, network, enrolled):
    from reintegra.plans import services as plan_services

    alice = users["alice"]
    plan = plan_services.plan_start(actor=alice, case=case)
    goal = plan_services.goal_add(actor=alice, plan=plan, domain="economic", description="A steady income")
    with pytest.raises(ValidationError) as refused:
        plan_services.action_add(
            actor=alice, goal=goal, kind="livelihood", description="Apprenticeship", responsible_agency=network.trainer
        )
    assert "enrolment" in refused.value.message_dict
    action = plan_services.action_add(
        actor=alice,
        goal=goal,
        kind="livelihood",
        description="Electrician apprenticeship",
        responsible_agency=network.trainer,
        enrolment=enrolled,
    )
    assert action.progress == "in_progress"
    move(users["pat"], enrolled, "dropped_out", reason="Needed to earn at once")
    action.refresh_from_db()
    assert action.progress == "stopped"
    from ..conftest import client_for

    body = client_for(alice).get(f"/cases/{case.code}/plan/").content.decode()
    assert "Dropped out" in body


def test_the_employers_name_is_encrypted_at_rest(users, enrolled, today):
    """Issue 12, finding 9 (decisions/0024): where a returnee works is where they can be found."""
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    flow.placement_record(
        actor=users["pat"], access=access, kind="job", employer_name="Mae Sai Works", isco="74", started_on=today
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT employer_name FROM livelihoods_placement")
        (raw,) = cursor.fetchone()
    assert raw and "Mae Sai" not in raw
    assert Placement.objects.get(enrolment=enrolled).employer_name == "Mae Sai Works"


def test_the_enrolments_page_lists_the_oldest_alerts_and_says_how_many(users, enrolled, today, monkeypatch):
    """Thousands of trainings wait for a placement at national scale: the page shows the oldest
    ALERTS_SHOWN and the number in all; the enrolments, the newest of both parts of the access rule."""
    from django.urls import reverse

    from reintegra.cases import services as case_services

    from ..cases.conftest import IDENTITY
    from ..conftest import client_for

    monkeypatch.setattr(selectors, "ALERTS_SHOWN", 1)
    other = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Malee"}))
    second = recommend(users, other, enrolled.opportunity)
    Enrolment.objects.filter(pk=enrolled.pk).update(status="completed", ended_on=today - 50 * DAY)
    Enrolment.objects.filter(pk=second.pk).update(status="completed", ended_on=today - 40 * DAY)
    page = client_for(users["sam"]).get(reverse("livelihoods:enrolments")).content.decode()
    alerts = page.split('id="placement-alerts"')[1].split("</div>")[0]
    assert enrolled.case.code in alerts and other.code not in alerts
    assert "Shown: the 1 oldest of 2." in alerts
    tasks = client_for(users["sam"]).get("/cases/tasks/?agency=1").content.decode()  # the same list there
    alerts = tasks.split('id="placement-alerts"')[1].split("</div>")[0]
    assert enrolled.case.code in alerts and other.code not in alerts and "Shown: the 1 oldest of 2." in alerts
    assert listed(users["sam"]) == listed(users["alice"]) and len(listed(users["sam"])) == 2


def test_an_agencys_enrolments_are_read_by_their_own_indexes_on_postgresql(users, enrolled, today):
    """An enrolment keeps its case's agency beside it (migration livelihoods 0015): the enrolments page's
    newest of the agency's own and its trainings completed without a placement are each read by an index
    of their own, in the list's order, without joining the cases (at a million, each walked the
    network's enrolments: 0.3 and 0.4 s)."""
    from reintegra.access.livelihoods import enrolment_parts_for_user

    if connection.vendor != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    assert enrolled.agency_id == enrolled.case.agency_id
    own, _provided = enrolment_parts_for_user(users["sam"])
    queries = {
        "enrolment_agency_updated": own.order_by("-updated_at", "-pk")[:20],
        "enrolment_agency_completed": selectors.placement_alerts(user=users["sam"], agency_wide=True)[:50],
    }
    with connection.cursor() as cursor:
        for setting_off in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{setting_off} = off")
        for index, query in queries.items():
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"using {index} " in plan and "Sort" not in plan, plan


def test_the_enrolments_api_pages_the_agencys_own_and_provided_enrolments_merged(
    users, case, network, catalogue, today
):
    """The API reads the enrolments by the parts of the access rule, merged newest updated first, and
    counts them all; its filters apply to both parts."""
    from reintegra.cases import services as case_services

    from ..cases.conftest import IDENTITY
    from ..conftest import api_client_for

    paid, unpaid = catalogue
    first = recommend(users, case, paid)
    second = recommend(users, case, unpaid)
    other = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Malee"}))
    third = recommend(users, other, unpaid)
    move(users["alice"], first, "offered")
    api = api_client_for(users["sam"])
    pages = [
        api.get("/api/v1/enrolments/?page_size=2").json(),
        api.get("/api/v1/enrolments/?page_size=2&page=2").json(),
    ]
    assert [p["count"] for p in pages] == [3, 3]
    assert [e["id"] for p in pages for e in p["results"]] == [first.pk, third.pk, second.pk]
    assert pages[0]["next"] and pages[1]["next"] is None
    by_case = api.get(f"/api/v1/enrolments/?case={other.code}").json()
    assert by_case["count"] == 1 and [e["id"] for e in by_case["results"]] == [third.pk]
    offered = api.get("/api/v1/enrolments/?status=offered").json()
    assert offered["count"] == 1 and [e["id"] for e in offered["results"]] == [first.pk]
    # The trainer's staff see only the people referred to them: nobody yet, then Somsri.
    assert api_client_for(users["pat"]).get("/api/v1/enrolments/").json()["count"] == 0
    refer_to_trainer(users, case, network)
    provided = api_client_for(users["pat"]).get("/api/v1/enrolments/").json()
    assert provided["count"] == 2 and [e["id"] for e in provided["results"]] == [first.pk, second.pk]
