"""Erasure of a returnee's identifying data on their request (issue 14; decisions/0029): nothing of
the person is left anywhere in the database, not even a token or a keyed hash, while the case still
counts in the statistics and the audit chain still verifies."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from reintegra.access import case_get_for_user
from reintegra.accounts.audit import audit_verify
from reintegra.accounts.models import AuditEvent
from reintegra.cases import erasure, tasks
from reintegra.cases import services as case_services
from reintegra.cases.models import Case, CaseEvent, HistoryEvent, NameWordIndex, PhoneIndex, Returnee, ReturnJourney
from reintegra.insights import returns
from reintegra.insights.filters import Filters
from reintegra.livelihoods.skills import profile_save
from reintegra.plans import services as plan_services
from tests.conftest import api_client_for, client_for

from .conftest import refer, share_with

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PLAINTEXT = [
    "Somsri",
    "Kaewmanee",
    "1994-03-02",
    "234 5678",
    "somsri.k@example.org",
    "Mae Sai",
    "00123-45",
    "Koh Kong",
    "Mr Chea",
    "Poipet gate",
    "border pass",
    "wants to sew",
    "asked to forget",
    "2024-02-14",  # the day of return (kept to its month)
    "2023-05-17",
]


def raw_rows() -> list[str]:
    """Every value of every text column of every table, as the database holds it."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values.extend(str(v) for row in cursor.fetchall() for v in row if isinstance(v, str) and v)
    return values


def person_traces(case: Case) -> set[str]:
    """The ciphertexts of every encrypted column of the person's records and their blind index
    values, read raw before the erasure."""
    found: set[str] = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, columns, paths in erasure.case_records():
            if model is Returnee:
                pks = [case.returnee_id]
            else:
                pks = []
                for path in paths:
                    pks += model._default_manager.filter(**{f"{path}__in": [case.pk]}).values_list("pk", flat=True)
            for pk in set(pks):
                cols = ", ".join(quote(c) for c in columns)
                cursor.execute(
                    f"SELECT {cols} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s",  # noqa: S608
                    [pk],
                )
                found |= {v for v in cursor.fetchone() if v}
    returnee = Returnee.objects.get(pk=case.returnee_id)
    found |= {returnee.name_index, returnee.name_year_index, returnee.name_birth_index}
    found |= set(PhoneIndex.objects.filter(returnee=returnee).values_list("key", flat=True))
    found |= set(NameWordIndex.objects.filter(returnee=returnee).values_list("key", flat=True))
    return {v for v in found if v}


@pytest.fixture
def full_case(case, users, network):
    """A case with something identifying in every kind of record: history, return, notes, tasks,
    a referral, a photo, the plan's priorities and goals, the skills profile."""
    alice = users["alice"]
    case_services.history_add(
        actor=alice, case=case, type="Exploitation", country="KH", area="Koh Kong", creditor="Mr Chea",
        started_on=datetime.date(2023, 5, 17), ended_on=datetime.date(2024, 1, 9),
    )  # fmt: skip
    case_services.return_record(
        actor=alice, case=case, country_from="KH", returned_on=datetime.date(2024, 2, 14),
        return_type="assisted_voluntary", documents_issued="border pass", point_of_arrival="Poipet gate",
    )  # fmt: skip
    case_services.note_add(actor=alice, case=case, text="Somsri asked to forget everything.")
    tasks.task_create(actor=alice, case=case, title="Visit Somsri in Mae Sai", due_on=datetime.date(2024, 3, 1))
    case_services.photo_set(actor=alice, case=case, data=PNG)
    share_with(alice, case, network.beta)
    refer(alice, case, network.beta, reason_text="Somsri moved to Mae Sai.")
    plan_services.priorities_record(actor=alice, case=case, ranking=["income"], words={"income": "Somsri wants to sew"})
    plan = plan_services.plan_start(actor=alice, case=case)
    plan_services.goal_add(actor=alice, plan=plan, domain="economic", description="Somsri wants to sew dresses")
    access = case_get_for_user(alice, code=case.code, for_edit=True)
    profile_save(actor=alice, access=access, aspirations_words="Somsri wants to sew")
    return Case.objects.get(pk=case.pk)


def request_and_confirm(case, users):
    erasure.erasure_move(actor=users["alice"], case=case, move="request", reason="Somsri asked to forget her.")
    return erasure.erasure_move(actor=users["sam"], case=case, move="confirm")


def test_after_erasure_nothing_of_the_person_is_left_in_any_table(full_case, users):
    traces = person_traces(full_case)
    assert len(traces) > 20  # the fixture did write encrypted values and index keys
    before = raw_rows()
    assert any("Somsri" in v for v in before) is False  # encrypted at rest, as ever
    request_and_confirm(full_case, users)
    after = raw_rows()
    for trace in traces:
        assert not any(trace in value for value in after), f"{trace[:20]}… is still in the database"
    for word in PLAINTEXT:
        assert not any(word in value for value in after), f"{word!r} is still in the database"
    returnee = Returnee.objects.get(pk=full_case.returnee_id)
    assert (returnee.given_name, returnee.family_name, returnee.birth_date, returnee.phones) == ("", "", None, [])
    assert returnee.identity_documents == [] and returnee.photo == "" and returnee.email == ""
    assert not PhoneIndex.objects.filter(returnee=returnee).exists()
    assert not NameWordIndex.objects.filter(returnee=returnee).exists()


def test_the_case_stays_as_de_identified_statistics(full_case, users):
    request_and_confirm(full_case, users)
    case = Case.objects.select_related("returnee").get(pk=full_case.pk)
    assert case.code == full_case.code and case.erased_at is not None and case.stage == "closed"
    assert Case.objects.filter(returnee__gender="Feminine", erased_at__isnull=False).count() == 1
    assert case.returnee.citizenships == ["TH"] and case.returnee.languages == ["th"]
    assert case.returnee.education == "LowerSecondaryEducation"
    event = HistoryEvent.objects.get(case=case)
    assert (event.country, event.type, event.started_on, event.ended_on) == (
        "KH",
        "Exploitation",
        datetime.date(2023, 5, 1),  # kept to the month
        datetime.date(2024, 1, 1),
    )
    journey = ReturnJourney.objects.get(case=case)
    assert (journey.country_from, journey.returned_on) == ("KH", datetime.date(2024, 2, 1))
    line = CaseEvent.objects.get(case=case, summary__startswith="Return recorded")
    assert line.params["date"] == {"date": "2024-02-01"} and line.params["country"] == {"country": "KH"}
    assert case.referrals.count() == 1


def test_the_insights_figures_are_the_same_after_erasure(full_case, users, settings):
    settings.INSIGHTS_MIN_CELL = 1
    figure = returns.gender_and_age(Filters())
    before = [figure.table.column(i) for i in range(len(figure.table.columns))]
    assert before and sum(v or 0 for v in before[0][:-1]) == 1  # one woman returned, counted once
    over_time = returns.over_time(Filters(), by="country").table.column(0)
    request_and_confirm(full_case, users)
    figure = returns.gender_and_age(Filters())
    assert [figure.table.column(i) for i in range(len(figure.table.columns))] == before
    assert returns.over_time(Filters(), by="country").table.column(0) == over_time


def test_the_act_is_logged_without_what_was_erased_and_the_chain_verifies(full_case, users):
    request_and_confirm(full_case, users)
    assert audit_verify().ok
    event = AuditEvent.objects.filter(object_id=str(full_case.pk), action=AuditEvent.Action.DELETE).get()
    assert event.actor == users["sam"] and event.details["erasure"] == "request"
    line = CaseEvent.objects.filter(case=full_case).order_by("-pk").first()
    assert line.summary == erasure.GROUND_LINES["request"] and line.text == ""


def test_the_caseworker_who_asked_cannot_confirm_and_a_caseworker_never_can(case, users):
    erasure.erasure_move(actor=users["alice"], case=case, move="request", reason="Asked by phone.")
    with pytest.raises(PermissionDenied):
        erasure.erasure_move(actor=users["alice"], case=case, move="confirm")
    assert Returnee.objects.get(pk=case.returnee_id).given_name == "Somsri"


def test_a_supervisor_who_asked_cannot_confirm(case, users):
    erasure.erasure_move(actor=users["sam"], case=case, move="request", reason="Asked in person.")
    with pytest.raises((PermissionDenied, ValidationError)):
        erasure.erasure_move(actor=users["sam"], case=case, move="confirm")
    assert Returnee.objects.get(pk=case.returnee_id).given_name == "Somsri"


def test_a_request_needs_a_reason_and_a_decline_keeps_everything(case, users):
    with pytest.raises(ValidationError):
        erasure.erasure_move(actor=users["alice"], case=case, move="request", reason="  ")
    erasure.erasure_move(actor=users["alice"], case=case, move="request", reason="Asked by phone.")
    erasure.erasure_move(actor=users["sam"], case=case, move="decline")
    case.refresh_from_db()
    assert case.erasure_requested_at is None and case.erased_at is None
    assert Returnee.objects.get(pk=case.returnee_id).given_name == "Somsri"


def test_an_erased_case_cannot_be_erased_again(case, users):
    request_and_confirm(case, users)
    with pytest.raises(ValidationError):
        erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.REQUEST)


def test_the_case_page_requests_and_a_supervisor_confirms(case, users):
    alice, sam = client_for(users["alice"]), client_for(users["sam"])
    page = alice.get(reverse("cases:detail", args=[case.code]))
    assert reverse("cases:erasure", args=[case.code]).encode() in page.content
    refused = alice.post(reverse("cases:erasure", args=[case.code]), {"reason": ""})
    assert refused.status_code == 400 and b"erasure-form" in refused.content
    assert not Case.objects.get(pk=case.pk).erasure_requested_at
    alice.post(reverse("cases:erasure", args=[case.code]), {"reason": "Asked at the office."})
    assert Case.objects.get(pk=case.pk).erasure_requested_at is not None
    assert alice.post(reverse("cases:erasure_decide", args=[case.code]), {"confirm": "1"}).status_code == 403
    assert b'data-confirm="' in sam.get(reverse("cases:detail", args=[case.code])).content
    response = sam.post(reverse("cases:erasure_decide", args=[case.code]), {"confirm": "1"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).erased_at is not None
    assert Returnee.objects.get(pk=case.returnee_id).given_name == ""
    assert sam.get(reverse("cases:detail", args=[case.code])).status_code == 200


def test_a_supervisor_of_another_agency_gets_404(case, users):
    client_for(users["alice"]).post(reverse("cases:erasure", args=[case.code]), {"reason": "Asked."})
    bella = client_for(users["bella"])
    assert bella.post(reverse("cases:erasure_decide", args=[case.code]), {"confirm": "1"}).status_code == 404
    api = api_client_for(users["bella"])
    assert api.post(f"/api/v1/cases/{case.code}/erasure/decision/", {"confirm": True}, format="json").status_code == 404
    assert Case.objects.get(pk=case.pk).erased_at is None


def test_the_api_requests_and_confirms(case, users):
    alice, sam = api_client_for(users["alice"]), api_client_for(users["sam"])
    assert alice.post(f"/api/v1/cases/{case.code}/erasure/", {}, format="json").status_code == 400
    answer = alice.post(f"/api/v1/cases/{case.code}/erasure/", {"reason": "Asked by letter."}, format="json")
    assert answer.status_code == 200 and answer.json()["erasure_requested_at"]
    assert answer.json()["erasure_moves"] == []
    assert sam.get(f"/api/v1/cases/{case.code}/").status_code == 200
    denied = alice.post(f"/api/v1/cases/{case.code}/erasure/decision/", {"confirm": True}, format="json")
    assert denied.status_code == 403
    done = sam.post(f"/api/v1/cases/{case.code}/erasure/decision/", {"confirm": True}, format="json")
    assert done.status_code == 200 and done.json()["erased_at"]
    assert Returnee.objects.get(pk=case.returnee_id).name_index == ""


def test_an_erased_case_cannot_be_reopened(case, users):
    request_and_confirm(case, users)
    page = client_for(users["sam"]).get(reverse("cases:detail", args=[case.code]))
    assert reverse("cases:reopen", args=[case.code]).encode() not in page.content
    with pytest.raises(ValidationError):
        case_services.closure_move(actor=users["alice"], case=case, move="reopen", reason="Came back.")
    assert Case.objects.get(pk=case.pk).stage == "closed"


def test_an_erased_case_offers_no_move_in_the_api(case, users):
    """The API lists what it accepts: an erased case offers no reopening (nor any other move), and
    asking for one anyway is refused with nothing changed."""
    sam, alice = api_client_for(users["sam"]), api_client_for(users["alice"])
    alice.post(f"/api/v1/cases/{case.code}/erasure/", {"reason": "Asked by letter."}, format="json")
    done = sam.post(f"/api/v1/cases/{case.code}/erasure/decision/", {"confirm": True}, format="json")
    assert done.status_code == 200 and done.json()["erased_at"] and done.json()["stage"] == "closed"
    assert done.json()["closure_moves"] == [] and done.json()["erasure_moves"] == []
    version = Case.objects.get(pk=case.pk).version
    refused = alice.post(f"/api/v1/cases/{case.code}/reopen/", {"reason": "Came back."}, format="json")
    assert refused.status_code == 400
    after = Case.objects.get(pk=case.pk)
    assert after.stage == "closed" and after.version == version


def test_a_closed_case_that_was_not_erased_still_offers_its_reopening(case, users):
    sam, alice = api_client_for(users["sam"]), api_client_for(users["alice"])
    alice.post(
        f"/api/v1/cases/{case.code}/closure/", {"reason": "Work done.", "reason_code": "reintegrated"}, format="json"
    )
    closed = sam.post(f"/api/v1/cases/{case.code}/closure/decision/", {"approve": True}, format="json")
    assert closed.status_code == 200 and closed.json()["closure_moves"] == ["reopen"]
    reopened = alice.post(f"/api/v1/cases/{case.code}/reopen/", {"reason": "Came back."}, format="json")
    assert reopened.status_code == 200 and reopened.json()["stage"] != "closed"


# What the case page offers its agency to write of the person (the edit page's link, then the forms).
WRITING_FORMS = (
    "/edit/",
    'id="photo-form"',
    'id="return-form"',
    'id="history-form"',
    'id="consent-form"',
    'id="note-form"',
)


def test_nothing_more_is_written_of_an_erased_returnee(case, users):
    """An erased case is statistics only: its record cannot be filled in again, by the API, the page
    or the services."""
    before = client_for(users["alice"]).get(reverse("cases:detail", args=[case.code]))
    assert [form for form in WRITING_FORMS if form.encode() in before.content] == list(WRITING_FORMS)
    request_and_confirm(case, users)
    alice = api_client_for(users["alice"])
    erased = Case.objects.get(pk=case.pk)
    edit = alice.patch(
        f"/api/v1/cases/{case.code}/", {"version": erased.version, "given_name": "Somsri"}, format="json"
    )
    assert edit.status_code == 400
    assert alice.post(f"/api/v1/cases/{case.code}/notes/", {"text": "Somsri phoned."}, format="json").status_code == 400
    with pytest.raises(ValidationError, match="was erased"):
        case_services.history_add(actor=users["alice"], case=erased, type="Recruitment", country="TH")
    with pytest.raises(ValidationError, match="was erased"):
        case_services.return_record(
            actor=users["alice"],
            case=erased,
            country_from="MY",
            returned_on=datetime.date(2024, 2, 14),
            return_type="assisted_voluntary",
        )
    with pytest.raises(ValidationError, match="was erased"):
        case_services.photo_set(actor=users["alice"], case=erased, data=PNG)
    with pytest.raises(ValidationError, match="was erased"):
        case_services.consent_record(
            actor=users["alice"], case=erased, purpose="statistics", given_on=datetime.date(2024, 3, 1), language="th"
        )
    page = client_for(users["alice"]).get(reverse("cases:detail", args=[case.code]))
    assert page.status_code == 200
    assert not [form for form in WRITING_FORMS if form.encode() in page.content]
    after = Case.objects.select_related("returnee").get(pk=case.pk)
    assert after.returnee.given_name == "" and after.returnee.photo == "" and after.version == erased.version
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).exists()
    assert not HistoryEvent.objects.filter(case=case).exists() and not ReturnJourney.objects.filter(case=case).exists()
