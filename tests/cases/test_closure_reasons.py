"""Closure reasons (IOM guidance), moves abroad again, and lost contact (issue 16)."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.cases.closure import reason_of_words
from reintegra.cases.models import Case, CaseEvent, Remigration
from reintegra.lib import clock
from reintegra.plans import lost_contact
from reintegra.plans import services as plan_services
from reintegra.plans.models import Assessment
from tests.conftest import api_client_for, client_for
from tests.plans.test_scoring import EXAMPLE

ABROAD = {"country": "MY", "regular": True, "left_on": None}


def returned(case, users, days_ago):
    """Records a return `days_ago` days back: the sustainability assessments fall due from it."""
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="MY",
        returned_on=clock.today() - datetime.timedelta(days=days_ago),
        return_type="assisted_voluntary",
    )


def close(case, users, code, reason="Said by the returnee on the phone.", **extra):
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason=reason, code=code, **extra)
    return case_services.closure_move(actor=users["sam"], case=Case.objects.get(pk=case.pk), move="approve")


# --- Reasons ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        ("Moved abroad again through a licensed agency and asked to close the case.", "remigrated"),
        ("Reintegration goals reached: stable income for six months.", "reintegrated"),
        ("The returnee asked to close the case and knows how to reach us.", "declined"),
        ("Moved to Chiang Mai with her sister.", "moved"),
        ("Transferred to the shelter in Cebu.", "moved_transferred"),
        ("Phone switched off since March; lost contact.", "lost_contact"),
        ("Passed away in hospital.", "died"),
        ("Case finished.", ""),
        ("Moved away, not handed over", "moved"),  # a reason's English name, as an export writes it
        ("Moved away, case handed to another agency", "moved_transferred"),
        ("Reintegrated: declined the loan, runs a shop.", "reintegrated"),
    ],
)
def test_the_words_of_an_old_closure_give_its_reason_or_none(words, reason):
    assert reason_of_words(words) == reason


def test_the_migration_gives_closed_cases_the_reason_their_words_name_and_leaves_others_blank(case, users):
    other = case_services.case_open(actor=users["alice"], given_name="Mali", family_name="Sukjai")
    close(case, users, "declined", reason="Employed for over a year; family support in place.")
    close(other, users, "declined", reason="Case finished.")
    Case.objects.filter(pk__in=[case.pk, other.pk]).update(closure_code="")
    migration = importlib.import_module("reintegra.cases.migrations.0015_closure_reasons")
    migration.reasons_from_words(apps, None)
    assert Case.objects.get(pk=case.pk).closure_code == "reintegrated"
    assert Case.objects.get(pk=other.pk).closure_code == ""


def test_a_closure_as_reintegrated_keeps_the_last_sustainability_index(case, users):
    returned(case, users, days_ago=120)
    baseline = Assessment.objects.get(case=case, point="baseline")
    plan_services.assessment_record(
        actor=users["alice"], assessment=baseline, answers=EXAMPLE, done_on=clock.today() - datetime.timedelta(days=100)
    )
    case = close(case, users, "reintegrated")
    case.refresh_from_db()
    assert case.stage == "closed" and case.closure_code == "reintegrated"
    assert case.closure_index == pytest.approx(0.546296, abs=1e-6)
    line = case.events.filter(kind=CaseEvent.Kind.CLOSURE).last()
    assert line.summary == "Closure approved: %(reason)s." and line.params["reason"]["code"] == "reintegrated"
    audit = AuditEvent.objects.filter(object_id=str(case.pk), details__move="approve").get()
    assert audit.details["closure_code"] == "reintegrated"


def test_a_closure_for_another_reason_keeps_no_index_and_a_reopening_forgets_the_reason(case, users):
    case = close(case, users, "declined")
    case.refresh_from_db()
    assert case.closure_code == "declined" and case.closure_index is None
    case_services.closure_move(actor=users["alice"], case=case, move="reopen", reason="She came back to the office.")
    case.refresh_from_db()
    assert case.stage != "closed" and case.closure_code == ""


@pytest.mark.parametrize("code", ["failed", ""])
def test_an_unknown_or_empty_reason_is_refused_and_nothing_is_requested(case, users, code):
    with pytest.raises(ValidationError) as error:
        case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Abroad.", code=code)
    assert "reason_code" in error.value.message_dict
    case.refresh_from_db()
    assert case.closure_requested_at is None


# --- Moving abroad again ------------------------------------------------------------------------


def test_closing_as_remigrated_asks_where_to_and_records_the_move_with_it(case, users):
    with pytest.raises(ValidationError) as error:
        case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Left.", code="remigrated")
    assert "country" in error.value.message_dict
    assert not Remigration.objects.exists()
    close(case, users, "remigrated", remigration=ABROAD)
    move = Remigration.objects.get(case=case)
    assert (move.country, move.regular, move.recorded_by) == ("MY", True, users["alice"])
    line = case.events.get(summary__startswith="Moved abroad again")
    assert line.display_summary == "Moved abroad again, to Malaysia (regular channels)."
    assert line.category == "history"


def test_a_move_abroad_is_recorded_without_closing_and_a_later_closure_needs_no_second_one(case, users):
    case_services.remigration_record(actor=users["alice"], case=case, country="sg", regular=None)
    case.refresh_from_db()
    assert case.stage != "closed"
    assert case.events.filter(summary="Moved abroad again, to %(country)s.").exists()
    close(case, users, "remigrated")
    assert Remigration.objects.filter(case=case).count() == 1


def test_another_agency_cannot_record_a_move_abroad(case, users):
    with pytest.raises(PermissionDenied):
        case_services.remigration_record(actor=users["bob"], case=case, country="MY")
    assert not Remigration.objects.exists()


def test_a_bad_destination_is_refused_and_nothing_is_saved(case, users):
    with pytest.raises(ValidationError) as error:
        case_services.remigration_record(actor=users["alice"], case=case, country="XX")
    assert "country" in error.value.message_dict
    assert not Remigration.objects.exists()


# --- Pages --------------------------------------------------------------------------------------


def test_the_case_page_asks_why_and_shows_the_reason_once_closed(case, users):
    alice, sam = client_for(users["alice"]), client_for(users["sam"])
    page = alice.get(f"/cases/{case.code}/")
    assert 'name="reason_code"' in page.text and 'id="remigration-form"' in page.text
    response = alice.post(
        f"/cases/{case.code}/closure/", {"reason": "Working for a year.", "reason_code": "reintegrated"}
    )
    assert response.status_code == 302
    sam.post(f"/cases/{case.code}/closure/decision/", {"approve": "1"})
    case.refresh_from_db()
    assert case.closure_code == "reintegrated"
    assert "Reintegrated" in alice.get(f"/cases/{case.code}/").text


def test_a_request_without_a_reason_or_without_a_destination_comes_back_as_typed(case, users):
    alice = client_for(users["alice"])
    response = alice.post(f"/cases/{case.code}/closure/", {"reason": "Working for a year."})
    assert response.status_code == 400 and "Working for a year." in response.text
    response = alice.post(f"/cases/{case.code}/closure/", {"reason": "Left for work.", "reason_code": "remigrated"})
    assert response.status_code == 400
    assert "Say to which country the returnee moved." in response.text and "Left for work." in response.text
    case.refresh_from_db()
    assert case.closure_requested_at is None


def test_a_move_abroad_from_the_page_and_an_outsider_gets_404(case, users):
    alice, bob = client_for(users["alice"]), client_for(users["bob"])
    response = alice.post(f"/cases/{case.code}/remigration/", {"country": "MY", "regular": "no"})
    assert response.status_code == 302
    assert Remigration.objects.get(case=case).regular is False
    assert "not through regular channels" in alice.get(f"/cases/{case.code}/").text
    assert bob.post(f"/cases/{case.code}/remigration/", {"country": "MY"}).status_code == 404
    response = alice.post(f"/cases/{case.code}/remigration/", {"country": "", "regular": "yes"})
    assert response.status_code == 400 and Remigration.objects.count() == 1


# --- API ----------------------------------------------------------------------------------------


def test_the_closure_endpoint_takes_the_reason_and_a_move_abroad(case, users):
    alice = api_client_for(users["alice"])
    url = f"/api/v1/cases/{case.code}/closure/"
    missing = alice.post(url, {"reason": "Left."}, format="json")
    assert missing.status_code == 400 and "reason_code" in missing.json()["error"]["fields"]
    no_place = alice.post(url, {"reason": "Left.", "reason_code": "remigrated"}, format="json")
    assert no_place.status_code == 400 and "country" in no_place.json()["error"]["fields"]
    body = {"reason": "Left.", "reason_code": "remigrated", "remigration": {"country": "AE", "regular": False}}
    response = alice.post(url, body, format="json")
    assert response.status_code == 200 and response.json()["closure_code"] == "remigrated"
    assert Remigration.objects.get(case=case).country == "AE"


def test_the_remigration_endpoint_records_and_refuses_bad_input_and_outsiders(case, users):
    url = f"/api/v1/cases/{case.code}/remigrations/"
    alice = api_client_for(users["alice"])
    created = alice.post(url, {"country": "my", "regular": True, "left_on": "2026-01-05"}, format="json")
    assert created.status_code == 201
    assert created.json() | {"id": 0, "recorded_at": ""} == {
        "id": 0,
        "country": "MY",
        "regular": True,
        "left_on": "2026-01-05",
        "recorded_by": "alice",
        "recorded_at": "",
    }
    assert alice.post(url, {"country": "ZZ"}, format="json").status_code == 400
    assert api_client_for(users["bob"]).post(url, {"country": "MY"}, format="json").status_code == 404
    assert Remigration.objects.count() == 1


# --- Lost contact -------------------------------------------------------------------------------


def test_missed_follow_ups_in_a_row_put_the_case_in_the_supervisors_queue(case, users, settings):
    returned(case, users, days_ago=400)  # baseline, 3, 6 and 12 months all passed unrecorded
    assert lost_contact.missed_follow_ups(case) == 4
    queue = lost_contact.lost_contact_queue(agency_id=case.agency_id)
    assert [(item.case.code, item.missed) for item in queue] == [(case.code, 4)]
    page = client_for(users["sam"]).get("/")
    assert case.code in page.text and f"/cases/{case.code}/lost-contact/close/" in page.text
    settings.LOST_CONTACT_MISSED = 5
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id) == []
    case.refresh_from_db()
    assert case.stage != "closed"  # never a silent closure


def test_a_follow_up_recorded_breaks_the_row_and_a_recent_one_is_not_yet_missed(case, users):
    returned(case, users, days_ago=400)
    m6 = Assessment.objects.get(case=case, point="m6")
    plan_services.assessment_record(
        actor=users["alice"], assessment=m6, answers=EXAMPLE, done_on=clock.today() - datetime.timedelta(days=200)
    )
    assert lost_contact.missed_follow_ups(case) == 1  # only the 12-month one, after the 6-month one recorded
    other = case_services.case_open(actor=users["alice"], given_name="Mali", family_name="Sukjai")
    returned(other, users, days_ago=lost_contact.GRACE_DAYS - 1)
    assert lost_contact.missed_follow_ups(other) == 0  # the baseline is due, within the grace days


def test_the_supervisor_dismisses_the_alert_when_contact_is_restored(case, users):
    returned(case, users, days_ago=400)
    assert client_for(users["alice"]).post(f"/cases/{case.code}/lost-contact/dismiss/").status_code == 403
    response = client_for(users["sam"]).post(f"/cases/{case.code}/lost-contact/dismiss/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.contact_restored_on == clock.today() and case.stage != "closed"
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id) == []
    assert case.events.filter(summary="Contact restored.").exists()


def test_the_supervisor_closes_a_case_of_the_queue_as_lost_contact(case, users):
    returned(case, users, days_ago=400)
    assert client_for(users["alice"]).post(f"/cases/{case.code}/lost-contact/close/").status_code == 403
    response = client_for(users["sam"]).post(f"/cases/{case.code}/lost-contact/close/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "closed" and case.closure_code == "lost_contact"
    assert case.closure_reason == "4 follow-ups in a row were missed."
    assert AuditEvent.objects.filter(object_id=str(case.pk), details__move="close_lost_contact").count() == 1


def test_a_case_in_contact_is_not_closed_as_lost_contact(case, users):
    returned(case, users, days_ago=30)
    with pytest.raises(ValidationError):
        lost_contact.lost_contact_close(actor=users["sam"], case=case)
    sam = api_client_for(users["sam"])
    assert sam.post(f"/api/v1/cases/{case.code}/lost-contact/close/").status_code == 400
    case.refresh_from_db()
    assert case.stage != "closed"


def test_the_lost_contact_endpoints_close_and_dismiss_for_a_supervisor_only(case, users):
    returned(case, users, days_ago=400)
    other = case_services.case_open(actor=users["alice"], given_name="Mali", family_name="Sukjai")
    returned(other, users, days_ago=400)
    sam, alice = api_client_for(users["sam"]), api_client_for(users["alice"])
    assert alice.post(f"/api/v1/cases/{case.code}/lost-contact/dismiss/").status_code == 403
    assert api_client_for(users["bob"]).post(f"/api/v1/cases/{case.code}/lost-contact/close/").status_code == 404
    dismissed = sam.post(f"/api/v1/cases/{case.code}/lost-contact/dismiss/")
    assert dismissed.status_code == 200
    closed = sam.post(f"/api/v1/cases/{other.code}/lost-contact/close/")
    assert closed.status_code == 200 and closed.json()["closure_code"] == "lost_contact"


def test_a_caller_giving_words_only_gets_the_reason_they_name_or_none(case, users):
    other = case_services.case_open(actor=users["alice"], given_name="Mali", family_name="Sukjai")
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="She passed away in May.")
    case_services.closure_move(actor=users["alice"], case=other, move="request", reason="Case finished.")
    assert Case.objects.get(pk=case.pk).closure_code == "died"
    assert Case.objects.get(pk=other.pk).closure_code == ""
    assert other.events.filter(summary="Closure requested.").exists()  # no reason: the plain line
    assert case.events.get(summary="Closure requested: %(reason)s.").display_summary == "Closure requested: Died."


# --- Insights -----------------------------------------------------------------------------------


def test_the_caseload_dashboard_counts_closed_cases_by_reason(case, users):
    from reintegra.insights import caseload
    from reintegra.insights.filters import Filters

    other = case_services.case_open(actor=users["alice"], given_name="Mali", family_name="Sukjai")
    close(case, users, "died")
    close(other, users, "remigrated", remigration=ABROAD)
    figures = {f.key: f for f in caseload.figures(Filters(agency_id=case.agency_id))}
    figure = figures["caseload-closure-reasons"]
    counts = {row.label: row.cells[0].value for row in figure.table.rows}
    assert counts["Died"] == 1 and counts["Moved abroad again"] == 1 and counts["All closed cases"] == 2
