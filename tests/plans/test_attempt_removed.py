"""An attempt recorded by mistake (issue 16, lost contact) is taken back by whoever recorded it, while
the follow-up is open: on the assessment's and the enrolment's pages and in the API. It stops counting
as missed; the timeline keeps both lines and the audit log the record; nobody else removes it."""

import pytest

from reintegra.accounts.models import AuditEvent
from reintegra.lib import clock
from reintegra.plans import lost_contact
from reintegra.plans import services as plan_services
from reintegra.plans.models import Assessment, ContactAttempt
from tests.cases.test_closure_reasons import returned
from tests.conftest import api_client_for, client_for
from tests.form_catalogue import World
from tests.html import parse
from tests.plans.test_not_reached import ago, assessments_due, not_reached, opened_weeks_ago
from tests.plans.test_scoring import EXAMPLE


def remove_buttons(response) -> list:
    forms = parse(response.content).find_all("form")
    return [form for form in forms if form.attrs.get("action", "").endswith("/remove/")]


def test_the_caseworker_takes_back_her_attempt_on_the_assessment_page(case, users, settings):
    settings.LOST_CONTACT_MISSED = 1
    opened_weeks_ago(case)
    returned(case, users, days_ago=5)
    [baseline] = assessments_due(case, 3)
    attempt = not_reached(users["alice"], case, baseline, on=ago(1))
    assert [item.case for item in lost_contact.lost_contact_queue(agency_id=case.agency_id)] == [case]
    page_url = f"/cases/{case.code}/plan/assessments/{baseline.pk}/"
    remove_url = f"{page_url}not-reached/{attempt.pk}/remove/"

    # Her supervisor sees the attempt but no button: only who recorded it takes it back.
    assert remove_buttons(client_for(users["sam"]).get(page_url)) == []
    assert client_for(users["sam"]).post(remove_url).status_code == 403
    assert client_for(users["bob"]).post(remove_url).status_code == 404  # another agency: no such case
    [button] = remove_buttons(client_for(users["alice"]).get(page_url))
    assert button.attrs["action"] == remove_url

    alice = client_for(users["alice"])
    response = alice.post(remove_url)

    assert response.status_code == 302 and response.url == page_url
    assert not ContactAttempt.objects.exists()
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id) == []
    assert AuditEvent.objects.filter(
        object_type="plans.contactattempt", object_id=str(attempt.pk), action="delete"
    ).exists()
    lines = list(case.events.filter(summary__contains="reach").values_list("summary", flat=True))
    assert len(lines) == 2 and "removed: recorded by mistake" in lines[-1]
    assert "Attempt removed." in alice.get(page_url).text
    assert alice.post(remove_url).status_code == 404  # gone: nothing to remove twice


def test_an_attempt_on_a_recorded_assessment_stays(case, users):
    returned(case, users, days_ago=20)
    baseline = case.assessments.get(point="baseline")
    attempt = not_reached(users["alice"], case, baseline)
    plan_services.assessment_record(actor=users["alice"], assessment=baseline, answers=EXAMPLE, done_on=ago(0))
    page_url = f"/cases/{case.code}/plan/assessments/{baseline.pk}/"

    assert remove_buttons(client_for(users["alice"]).get(page_url)) == []
    response = client_for(users["alice"]).post(f"{page_url}not-reached/{attempt.pk}/remove/", follow=True)
    assert "its attempts stay as they were" in response.text
    api = api_client_for(users["alice"]).delete(f"/api/v1/assessments/{baseline.pk}/not-reached/{attempt.pk}/")
    assert api.status_code == 400
    assert ContactAttempt.objects.filter(pk=attempt.pk).exists()


def test_the_api_removes_the_callers_own_attempt_only(case, users):
    returned(case, users, days_ago=20)
    baseline = case.assessments.get(point="baseline")
    attempt = not_reached(users["alice"], case, baseline)
    url = f"/api/v1/assessments/{baseline.pk}/not-reached/{attempt.pk}/"

    assert api_client_for(users["sam"]).delete(url).status_code == 403
    assert api_client_for(users["bob"]).delete(url).status_code == 404
    other = Assessment.objects.filter(case=case).exclude(pk=baseline.pk).first()
    assert (
        api_client_for(users["alice"]).delete(f"/api/v1/assessments/{other.pk}/not-reached/{attempt.pk}/").status_code
        == 404
    )
    assert ContactAttempt.objects.filter(pk=attempt.pk).exists()
    assert api_client_for(users["alice"]).delete(url).status_code == 204
    assert not ContactAttempt.objects.exists()


@pytest.fixture
def world(users, network) -> World:
    return World(users, network)


def test_an_income_follow_ups_attempt_taken_back_on_the_enrolment_page_and_the_api(world, users):
    case, follow_up = world.case, world.follow_up
    page_url = f"/livelihoods/enrolments/{follow_up.enrolment_id}/"
    posted = {"on": ago(0).isoformat(), "how": "phone"}
    assert (
        client_for(users["alice"]).post(f"{page_url}follow-ups/{follow_up.pk}/not-reached/", posted).status_code == 302
    )
    attempt = ContactAttempt.objects.get(follow_up=follow_up)
    remove_url = f"{page_url}follow-ups/{follow_up.pk}/not-reached/{attempt.pk}/remove/"
    [button] = remove_buttons(client_for(users["alice"]).get(page_url))
    assert button.attrs["action"] == remove_url
    assert client_for(users["bob"]).post(remove_url).status_code == 404

    assert client_for(users["alice"]).post(remove_url).status_code == 302
    assert not ContactAttempt.objects.exists()
    assert case.events.filter(summary__contains="removed: recorded by mistake").count() == 1

    again = api_client_for(users["alice"]).post(
        f"/api/v1/follow-ups/{follow_up.pk}/not-reached/", posted, format="json"
    )
    url = f"/api/v1/follow-ups/{follow_up.pk}/not-reached/{again.json()['id']}/"
    assert api_client_for(users["alice"]).delete(url).status_code == 204
    assert not ContactAttempt.objects.exists()
    assert clock.today() == ago(0)
