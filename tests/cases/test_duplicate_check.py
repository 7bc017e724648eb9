"""The duplicate check is no identity oracle (issue 12, finding 1; decisions/0022): it needs a reason
and enough of the person, never names the agency holding a match, is audited every time, and is
throttled, with the agency's supervisors alerted on unusual volume."""

import datetime
import json
import re

import pytest
from django.apps import apps

from reintegra.accounts.models import AuditEvent
from reintegra.cases import duplicates
from reintegra.cases.duplicates import ALERT_PHRASE, LIAISON_PHRASE, DuplicateCheckThrottled, duplicate_check
from reintegra.cases.models import Case, Returnee, Task

from ..conftest import api_client_for, client_for, make_user
from ..html import parse, values

URL = "/api/v1/cases/duplicates/"
THAI_PHONE = "+66 81 234 5678"  # the case's (Alpha, Thailand)
BY_NAME_AND_DATE = {
    "reason": "new_case",
    "given_name": "Somsri",
    "family_name": "Kaewmanee",
    "birth_date": "1994-03-02",
}
INTAKE = {
    "given_name": "Somsri",
    "family_name": "Kaewmanee",
    "gender": "Feminine",
    "phones": THAI_PHONE,
    "stage": "return",
    "notes": "Walked in on Monday",
}


def checks():
    return AuditEvent.objects.filter(object_type=duplicates.AUDIT_TYPE)


def said_of_alpha(body: str, case: Case) -> list[str]:
    """Whatever in `body` would tell who holds the person."""
    alpha = case.agency
    return [s for s in (alpha.name, alpha.name_local, alpha.slug, case.code, "Somsri") if s and s in body]


# --- What is said, and to whom ---------------------------------------------------------------------


def test_a_philippine_caseworker_with_a_thai_phone_learns_no_agency(case, users):
    bob = api_client_for(users["bob"])  # Beta, in the Philippines
    alone = bob.post(URL, {"reason": "new_case", "given_name": "", "phones": [THAI_PHONE]}, format="json")
    assert alone.status_code == 400 and "elsewhere" not in alone.json()
    assert set(alone.json()["error"]["fields"]) == {"given_name"}
    alone = bob.post(URL, {"reason": "new_case", "given_name": "Somsri", "phones": [THAI_PHONE]}, format="json")
    assert alone.status_code == 200 and alone.json()["elsewhere"] is False  # not her whole name: nothing
    response = bob.post(URL, {**BY_NAME_AND_DATE, "birth_date": None, "phones": [THAI_PHONE]}, format="json")
    body = response.content.decode()
    assert response.status_code == 200 and not said_of_alpha(body, case)
    answer = response.json()
    assert answer["own"] == [] and answer["elsewhere"] is True and answer["reference"].startswith("DC-")
    assert answer["reference"] in answer["ask"] and "network coordinator" in answer["ask"]
    assert [c["name"] for c in answer["coordinators"]] == [users["cora"].username]  # the Philippines'
    assert not api_client_for(users["alice"]).post(URL, BY_NAME_AND_DATE, format="json").json()["elsewhere"]


def test_a_phone_alone_or_a_name_with_a_birth_year_is_refused_naming_what_is_missing(case, users):
    bob = api_client_for(users["bob"])
    by_year = {"reason": "new_case", "given_name": "Somsri", "family_name": "Kaewmanee", "birth_year": 1994}
    response = bob.post(URL, by_year, format="json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"birth_date"}
    assert "whole birth date" in response.json()["error"]["fields"]["birth_date"][0]
    response = bob.post(URL, by_year | {"birth_date": "1994"}, format="json")
    assert response.status_code == 400 and "birth_date" in response.json()["error"]["fields"]
    response = bob.post(
        URL, {"given_name": "Somsri", "family_name": "Kaewmanee", "phones": [THAI_PHONE]}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"reason"}
    response = bob.post(URL, {**BY_NAME_AND_DATE, "reason": "other"}, format="json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"reason_text"}
    assert not checks().exists()


def test_a_name_matches_elsewhere_on_the_whole_birth_date_only(case, users):
    bob = api_client_for(users["bob"])
    other_day = bob.post(URL, BY_NAME_AND_DATE | {"birth_date": "1994-12-31"}, format="json")
    assert other_day.status_code == 200 and other_day.json()["elsewhere"] is False
    assert bob.post(URL, BY_NAME_AND_DATE | {"given_name": "SOMSRI"}, format="json").json()["elsewhere"] is True


def test_own_cases_are_still_found_with_their_codes(case, users):
    response = api_client_for(users["sam"]).post(URL, BY_NAME_AND_DATE, format="json")
    assert response.json()["own"] == [case.code] and response.json()["elsewhere"] is False
    assert response.json()["ask"] == "" and response.json()["coordinators"] == []


def test_the_holding_agency_is_told_once_who_checked(case, users):
    bob = api_client_for(users["bob"])
    for _ in range(2):
        bob.post(URL, BY_NAME_AND_DATE | {"reason": "helped_before"}, format="json")
    [task] = Task.objects.filter(title_phrase=LIAISON_PHRASE)
    assert task.case == case and task.agency == case.agency and task.assignee == users["alice"]
    assert "Beta DSWD Office" in task.display_title and "helped them before" in task.display_title
    listed = api_client_for(users["alice"]).get("/api/v1/tasks/").json()
    assert task.pk in [t["id"] for t in listed["results"]]
    assert task.pk not in [t["id"] for t in api_client_for(users["bob"]).get("/api/v1/tasks/").json()["results"]]


# --- Audited, throttled, alerted --------------------------------------------------------------------


def test_every_check_is_audited_with_its_reason_and_without_the_person(case, users):
    bob = api_client_for(users["bob"])
    bob.post(URL, BY_NAME_AND_DATE | {"reason": "other", "reason_text": "Somsri's sister asked"}, format="json")
    bob.post(URL, BY_NAME_AND_DATE | {"birth_date": "1990-01-01"}, format="json")
    client_for(users["alice"]).post("/cases/new/", INTAKE | {"given_name": "Anong", "phones": "0917 111 2222"})
    rows = list(checks().order_by("seq"))
    assert len(rows) == 3
    assert [r.details["outcome"] for r in rows] == ["found", "none", "none"]
    assert [r.details["via"] for r in rows] == ["api", "api", "intake"]
    assert [r.details["reason"] for r in rows] == ["other", "new_case", "new_case"]
    assert rows[0].details["with"] == ["birth_date", "family_name", "name"]
    assert rows[0].details["elsewhere"] == [case.pk] and rows[0].details["own"] == []
    logged = json.dumps([r.details for r in rows])
    for secret in ("Somsri", "Kaewmanee", "Anong", "1994-03-02", "1990-01-01", "2345678", "1112222", "sister"):
        assert secret not in logged


def test_the_hour_s_checks_are_limited_per_user_with_a_429(case, users):
    for _ in range(duplicates.CHECKS_PER_USER_PER_HOUR):
        duplicate_check(actor=users["bob"], reason="new_case", given_name="Nobody", phones=["0917 000 0000"])
    response = api_client_for(users["bob"]).post(URL, BY_NAME_AND_DATE, format="json")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    assert "Too many duplicate checks" in response.json()["error"]["message"] and "elsewhere" not in response.json()
    assert checks().filter(details__outcome="throttled").count() == 1
    assert not Task.objects.filter(title_phrase=LIAISON_PHRASE).exists()  # nothing was looked up
    assert api_client_for(users["bella"]).post(URL, BY_NAME_AND_DATE, format="json").status_code == 200


def test_the_hour_s_checks_are_limited_per_agency(case, users, monkeypatch):
    monkeypatch.setattr(duplicates, "CHECKS_PER_AGENCY_PER_HOUR", 3)
    for user in ("alice", "sam", "alice"):
        assert api_client_for(users[user]).post(URL, BY_NAME_AND_DATE, format="json").status_code == 200
    assert api_client_for(users["sam"]).post(URL, BY_NAME_AND_DATE, format="json").status_code == 429
    assert api_client_for(users["bob"]).post(URL, BY_NAME_AND_DATE, format="json").status_code == 200


def test_unusual_volume_alerts_the_agency_s_supervisors_once_a_day(case, users, monkeypatch):
    monkeypatch.setattr(duplicates, "CHECKS_PER_USER_PER_DAY_ALERT", 3)
    monkeypatch.setattr(duplicates, "CHECKS_PER_USER_PER_HOUR", 5)
    for _ in range(8):  # 5 answered, 3 throttled: all of them count for the day
        try:
            duplicate_check(actor=users["alice"], reason="new_case", given_name="Nobody", phones=["0917 000 0000"])
        except DuplicateCheckThrottled:
            pass
    [alert] = AuditEvent.objects.filter(object_type=duplicates.ALERT_TYPE)
    assert alert.object_id == str(users["alice"].pk) and alert.details["supervisors"] == [users["sam"].pk]
    [task] = Task.objects.filter(title_phrase=ALERT_PHRASE)
    assert task.case is None and task.assignee == users["sam"] and task.agency == users["alice"].agency
    assert "alice" in task.display_title and "4 duplicate checks" in task.display_title
    # The supervisor sees it, on the home page and in the API; the person checked does not.
    assert task.display_title in client_for(users["sam"]).get("/").content.decode()
    listed = api_client_for(users["sam"]).get("/api/v1/tasks/").json()["results"]
    assert [t["case"] for t in listed if t["id"] == task.pk] == [None]
    assert task.pk not in [t["id"] for t in api_client_for(users["alice"]).get("/api/v1/tasks/").json()["results"]]
    done = api_client_for(users["sam"]).post(f"/api/v1/tasks/{task.pk}/done/")
    assert done.status_code == 200 and done.json()["done"] is True


def test_the_day_s_checks_are_limited_however_the_hours_are_spread(case, users, monkeypatch):
    monkeypatch.setattr(duplicates, "CHECKS_PER_USER_PER_DAY", 3)
    for _ in range(3):
        duplicate_check(actor=users["bob"], reason="new_case", given_name="Nobody", phones=["0917 000 0000"])
    response = api_client_for(users["bob"]).post(URL, BY_NAME_AND_DATE, format="json")
    assert response.status_code == 429 and "3 a day" in response.json()["error"]["message"]


def test_an_agency_s_only_supervisor_checking_much_alerts_the_country_s_coordinators(case, users, monkeypatch):
    monkeypatch.setattr(duplicates, "CHECKS_PER_USER_PER_DAY_ALERT", 2)
    coordinator = make_user("coco", users["bella"].agency, "network_coordinator")  # in Beta's country
    make_user("elsewhere", users["sam"].agency, "network_coordinator")  # in Alpha's
    for _ in range(3):
        duplicate_check(actor=users["bella"], reason="new_case", given_name="Nobody", phones=["0917 000 0000"])
    tasks = Task.objects.filter(title_phrase=ALERT_PHRASE)
    country = users["bella"].agency.country
    assert coordinator in {t.assignee for t in tasks} and {t.assignee.agency.country for t in tasks} == {country}
    assert all("bella" in t.display_title for t in tasks)


def test_the_reference_to_quote_is_random_and_kept_in_the_audit_record(case, users):
    first = api_client_for(users["bob"]).post(URL, BY_NAME_AND_DATE, format="json").json()["reference"]
    second = api_client_for(users["bob"]).post(URL, BY_NAME_AND_DATE, format="json").json()["reference"]
    latest = checks().order_by("seq").last()
    assert first != second and re.fullmatch(r"DC-[0-9A-F]{8}", second) and second != f"DC-{latest.seq}"
    assert checks().filter(details__reference=second).count() == 1


# --- The intake form --------------------------------------------------------------------------------


def test_the_intake_refuses_to_check_on_a_name_alone_and_keeps_what_was_typed(users):
    client = client_for(users["alice"])
    typed = INTAKE | {"phones": ""}
    response = client.post("/cases/new/", typed)
    assert response.status_code == 400 and not Case.objects.exists() and not checks().exists()
    page = parse(response.content)
    shown = values(page.by_id("intake-form"))
    assert {k: shown[k] for k in ("given_name", "family_name", "notes")} == {
        "given_name": ["Somsri"],
        "family_name": ["Kaewmanee"],
        "notes": ["Walked in on Monday"],
    }
    assert "whole birth date or a phone number" in page.by_id("id_birth_date_error").text
    response = client.post("/cases/new/", shown)  # saving again opens the case without a check
    assert response.status_code == 302 and Case.objects.count() == 1


def test_the_intake_tells_another_agency_only_that_a_match_may_exist(case, users):
    response = client_for(users["bob"]).post("/cases/new/", INTAKE)
    body = response.content.decode()
    assert response.status_code == 200 and "may already have a case" in body and "network coordinator" in body
    [notice] = parse(response.content).find_all("div", class_="notice")
    assert said_of_alpha(notice.text, case) == [] and case.code not in body  # the form lists every agency
    assert users["cora"].username in notice.by_id("duplicate-contacts").text
    assert Case.objects.count() == 1
    assert checks().get().details["via"] == "intake"


def test_the_intake_still_shows_the_own_agency_s_case(case, users):
    response = client_for(users["sam"]).post("/cases/new/", INTAKE)
    assert response.status_code == 200 and f"/cases/{case.code}/" in response.content.decode()
    assert Case.objects.count() == 1


def test_a_throttled_intake_says_so_on_the_form_and_keeps_what_was_typed(users, monkeypatch):
    monkeypatch.setattr(duplicates, "CHECKS_PER_USER_PER_HOUR", 0)
    response = client_for(users["alice"]).post("/cases/new/", INTAKE)
    assert response.status_code == 429 and not Case.objects.exists()
    assert "Too many duplicate checks" in response.content.decode()
    assert values(parse(response.content).by_id("intake-form"))["notes"] == ["Walked in on Monday"]


# --- The index ------------------------------------------------------------------------------------


def test_the_migration_indexes_the_name_and_birth_date_of_returnees_recorded_before(case, users):
    from importlib import import_module

    migration = import_module("reintegra.cases.migrations.0009_duplicate_check")
    Returnee.objects.update(name_birth_index="")
    migration.index_name_and_birth_date(apps, None)
    returnee = Returnee.objects.get()
    assert returnee.name_birth_index and returnee.name_birth_index != returnee.name_year_index
    found = duplicate_check(
        actor=users["bob"],
        reason="new_case",
        given_name="Somsri",
        family_name="Kaewmanee",
        birth_date=datetime.date(1994, 3, 2),
    )
    assert found.elsewhere


@pytest.mark.parametrize("user", ["pat", "ana", "cora", "charlie"])
def test_only_caseworkers_and_supervisors_check(case, users, user):
    assert api_client_for(users[user]).post(URL, BY_NAME_AND_DATE, format="json").status_code == 403
    assert not checks().exists()
