"""A follow-up that did not reach the returnee (issue 16, lost contact): recorded on the assessment's
and the enrolment's pages and in the API, counted as missed at once in the supervisors' queue."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from reintegra.access import case_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases.models import Case
from reintegra.cases.scope import CaseAccess
from reintegra.lib import clock
from reintegra.lib.dates import show_day
from reintegra.plans import attempts, lost_contact
from reintegra.plans import services as plan_services
from reintegra.plans.models import Assessment, ContactAttempt
from reintegra.referrals import services as referral_services
from tests.cases.conftest import refer, share_with
from tests.cases.test_closure_reasons import returned
from tests.conftest import api_client_for, client_for
from tests.form_catalogue import World
from tests.html import parse, values
from tests.plans.test_scoring import EXAMPLE


def ago(days: int) -> datetime.date:
    return clock.today() - datetime.timedelta(days=days)


def assessments_due(case: Case, *days_ago: int) -> list[Assessment]:
    """The case's first assessments, due `days_ago` days back: within the grace days, not yet missed."""
    rows = list(case.assessments.order_by("due_on")[: len(days_ago)])
    for row, days in zip(rows, days_ago, strict=True):
        Assessment.objects.filter(pk=row.pk).update(due_on=ago(days))
        row.due_on = ago(days)
    return rows


def opened_weeks_ago(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(opened_at=clock.now() - datetime.timedelta(weeks=3))
    case.refresh_from_db()


def not_reached(user, case: Case, assessment: Assessment, on: datetime.date | None = None, how: str = "phone"):
    access = case_get_for_user(user, code=case.code, for_edit=True)
    return attempts.assessment_not_reached(
        actor=user, access=access, assessment=assessment, on=on or clock.today(), how=how
    )


@pytest.fixture
def world(users, network) -> World:
    return World(users, network)


def test_the_caseworker_records_not_reached_on_the_assessment_page(case, users):
    returned(case, users, days_ago=20)
    baseline = case.assessments.get(point="baseline")
    url = f"/cases/{case.code}/plan/assessments/{baseline.pk}/"
    page = client_for(users["alice"]).get(url)
    assert page.status_code == 200 and parse(page.content).by_id("not-reached-form") is not None

    posted = {"on": clock.today().isoformat(), "how": "visit", "note": "The neighbours had not seen him."}
    response = client_for(users["alice"]).post(f"{url}not-reached/", posted)

    assert response.status_code == 302 and response.url == url
    [attempt] = ContactAttempt.objects.filter(assessment=baseline)
    assert (attempt.case, attempt.on, attempt.how, attempt.by) == (case, clock.today(), "visit", users["alice"])
    assert AuditEvent.objects.filter(object_type="plans.contactattempt", object_id=str(attempt.pk)).count() == 1
    assert case.events.filter(summary__startswith="Not reached for the reintegration assessment").count() == 1
    shown = client_for(users["alice"]).get(url).text
    assert "The neighbours had not seen him." in shown
    line = case.events.get(summary__startswith="Not reached for the reintegration assessment")
    assert (
        line.display_summary
        == f"Not reached for the reintegration assessment (Baseline): Visit, {show_day(clock.today())}."
    )


def test_another_agency_cannot_record_an_attempt(case, users):
    returned(case, users, days_ago=20)
    baseline = case.assessments.get(point="baseline")
    posted = {"on": clock.today().isoformat(), "how": "phone"}
    for name in ("bob", "bella"):
        response = client_for(users[name]).post(
            f"/cases/{case.code}/plan/assessments/{baseline.pk}/not-reached/", posted
        )
        assert response.status_code == 404
    api = api_client_for(users["bob"]).post(f"/api/v1/assessments/{baseline.pk}/not-reached/", posted, format="json")
    assert api.status_code == 404
    # The service itself asks for the case's own agency, whatever a caller hands it.
    foreign = CaseAccess(case=case, own=False, categories=frozenset({"plan"}), role="caseworker", viewer_agency_id=0)
    with pytest.raises(PermissionDenied):
        attempts.assessment_not_reached(actor=users["bob"], access=foreign, assessment=baseline, on=ago(0), how="phone")
    assert not ContactAttempt.objects.exists()


@pytest.mark.parametrize(
    ("day", "words"),
    [(lambda: ago(-1), "This date is in the future."), (lambda: ago(3), "before the case was opened")],
    ids=["future", "before the case opened"],
)
def test_a_bad_day_is_a_form_error_that_keeps_the_input(case, users, day, words):
    returned(case, users, days_ago=20)
    baseline = case.assessments.get(point="baseline")
    posted = {"on": day().isoformat(), "how": "message", "note": "Sent on the family's chat"}
    url = f"/cases/{case.code}/plan/assessments/{baseline.pk}/not-reached/"

    response = client_for(users["alice"]).post(url, posted)

    assert response.status_code == 400
    page = parse(response.content)
    form = page.by_id("not-reached-form")
    shown = values(form)
    assert shown["note"] == ["Sent on the family's chat"] and shown["how"] == ["message"]
    assert shown["on"] == [posted["on"]]
    assert words in page.by_id("not-reached-on_error").text
    assert not ContactAttempt.objects.exists()


def test_an_attempt_on_a_recorded_assessment_is_refused(case, users):
    returned(case, users, days_ago=20)
    baseline = case.assessments.get(point="baseline")
    plan_services.assessment_record(actor=users["alice"], assessment=baseline, answers=EXAMPLE, done_on=ago(0))
    response = api_client_for(users["alice"]).post(
        f"/api/v1/assessments/{baseline.pk}/not-reached/", {"on": ago(0).isoformat(), "how": "phone"}, format="json"
    )
    assert response.status_code == 400 and not ContactAttempt.objects.exists()


def test_n_attempts_on_n_follow_ups_put_the_case_in_the_queue_at_once(case, users, settings):
    settings.LOST_CONTACT_MISSED = 2
    opened_weeks_ago(case)
    returned(case, users, days_ago=5)
    first, second = assessments_due(case, 4, 2)  # both within the grace days
    assert lost_contact.missed_follow_ups(case) == 0

    not_reached(users["alice"], case, first, on=ago(3))
    assert lost_contact.missed_follow_ups(case) == 1
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id) == []
    not_reached(users["alice"], case, second, on=ago(1))
    not_reached(users["alice"], case, second, how="message")

    [item] = lost_contact.lost_contact_queue(agency_id=case.agency_id)
    assert (item.case, item.missed, item.attempts, item.last_attempt) == (case, 2, 3, clock.today())
    home = parse(client_for(users["sam"]).get("/").content)
    [shown] = home.find_all("span", class_="not-reached-count")
    assert "3" in shown.text


def test_a_follow_up_done_after_an_attempt_is_not_missed(case, users, settings):
    settings.LOST_CONTACT_MISSED = 1
    opened_weeks_ago(case)
    returned(case, users, days_ago=5)
    [baseline] = assessments_due(case, 3)
    not_reached(users["alice"], case, baseline, on=ago(2))
    assert [item.case for item in lost_contact.lost_contact_queue(agency_id=case.agency_id)] == [case]

    plan_services.assessment_record(actor=users["alice"], assessment=baseline, answers=EXAMPLE, done_on=ago(0))

    assert lost_contact.missed_follow_ups(case) == 0
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id) == []


def test_attempts_before_contact_was_restored_no_longer_count_and_later_ones_do(case, users, settings):
    settings.LOST_CONTACT_MISSED = 1
    opened_weeks_ago(case)
    returned(case, users, days_ago=5)
    first, second = assessments_due(case, 3, 1)
    not_reached(users["alice"], case, second, on=ago(1))
    lost_contact.lost_contact_dismiss(actor=users["sam"], case=case)
    case.refresh_from_db()
    assert lost_contact.missed_follow_ups(case) == 0

    Case.objects.filter(pk=case.pk).update(contact_restored_on=ago(1))  # restored yesterday; tried again today
    case.refresh_from_db()
    not_reached(users["alice"], case, first)
    [item] = lost_contact.lost_contact_queue(agency_id=case.agency_id)
    assert (item.missed, item.attempts, item.last_attempt) == (1, 1, clock.today())


def test_an_income_follow_up_not_reached_from_its_page_and_the_api(world, users, settings):
    settings.LOST_CONTACT_MISSED = 2
    case, follow_up = world.case, world.follow_up  # the 1-month follow-up, due about ten days ago
    assert follow_up.due_on > ago(lost_contact.GRACE_DAYS) and follow_up.done_on is None
    Assessment.objects.filter(case=case).delete()
    assert lost_contact.missed_follow_ups(case) == 0
    page_url = f"/livelihoods/enrolments/{follow_up.enrolment_id}/"
    url = f"{page_url}follow-ups/{follow_up.pk}/not-reached/"
    posted = {"on": ago(0).isoformat(), "how": "phone", "note": "Number no longer in service"}

    assert client_for(users["bob"]).post(url, posted).status_code == 404
    assert parse(client_for(users["alice"]).get(page_url).content).by_id(f"not-reached-{follow_up.pk}-form")
    response = client_for(users["alice"]).post(url, posted)

    assert response.status_code == 302
    [attempt] = ContactAttempt.objects.filter(follow_up=follow_up)
    assert (attempt.case_id, attempt.how, attempt.note) == (case.pk, "phone", "Number no longer in service")
    assert case.events.filter(summary__startswith="Not reached for the income follow-up").count() == 1
    assert lost_contact.missed_follow_ups(case) == 1
    detail = api_client_for(users["alice"]).get(f"/api/v1/follow-ups/{follow_up.pk}/").json()
    assert [(a["on"], a["how"]) for a in detail["not_reached"]] == [(ago(0).isoformat(), "phone")]

    # A second follow-up, tried through the API: two missed in a row, the case is in the queue.
    second = follow_up.enrolment.follow_ups.exclude(pk=follow_up.pk).order_by("due_on").first()
    created = api_client_for(users["alice"]).post(
        f"/api/v1/follow-ups/{second.pk}/not-reached/", {"on": ago(0).isoformat(), "how": "visit"}, format="json"
    )
    assert created.status_code == 201 and created.json()["how"] == "visit"
    future = api_client_for(users["alice"]).post(
        f"/api/v1/follow-ups/{second.pk}/not-reached/", {"on": ago(-2).isoformat(), "how": "visit"}, format="json"
    )
    assert future.status_code == 400 and "on" in future.json()["error"]["fields"]
    assert [item.case for item in lost_contact.lost_contact_queue(agency_id=case.agency_id)] == [case]

    # The first follow-up recorded after all: it is not missed, and the case leaves the queue.
    done = client_for(users["alice"]).post(
        f"{page_url}follow-ups/{follow_up.pk}/",
        {"done_on": ago(0).isoformat(), "employment": "employed", "monthly_income": "9000", "currency": "THB"},
    )
    assert done.status_code == 302
    assert lost_contact.missed_follow_ups(case) == 1
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id) == []


def test_the_assessments_api_gives_the_attempts_to_the_owning_agency(case, users, network):
    returned(case, users, days_ago=20)
    baseline = case.assessments.get(point="baseline")
    created = api_client_for(users["alice"]).post(
        f"/api/v1/assessments/{baseline.pk}/not-reached/",
        {"on": ago(0).isoformat(), "how": "phone", "note": "No answer"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["note"] == "No answer"
    listed = api_client_for(users["alice"]).get(f"/api/v1/assessments/?case={case.code}").json()
    by_point = {row["point"]: row for row in listed}
    assert [a["note"] for a in by_point["baseline"]["not_reached"]] == ["No answer"]
    bad = api_client_for(users["alice"]).post(
        f"/api/v1/assessments/{baseline.pk}/not-reached/", {"on": ago(0).isoformat(), "how": "pigeon"}, format="json"
    )
    assert bad.status_code == 400 and ContactAttempt.objects.count() == 1

    # An agency the plan is shared with sees the scores, not the owning agency's attempts.
    share_with(users["alice"], case, network.beta, categories=("plan",))
    referral = refer(users["alice"], case, network.beta, categories=("plan",))
    referral_services.referral_move(move="accept", actor=users["bob"], referral=referral)
    shared = api_client_for(users["bob"]).get(f"/api/v1/assessments/?case={case.code}")
    assert shared.status_code == 200 and shared.json()
    assert all("not_reached" not in row and "answers" not in row for row in shared.json())
