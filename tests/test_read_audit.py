"""Reads of personal data are audited in one place (issue 12, finding 4; decisions/0025).

Every URL pattern of the project (pages, the API's router, the admin) must declare whether its view
shows personal data; a new route without a declaration fails here with what to add. Every route
declared personal is then read with GET by a persona allowed to, on the demo's data, and must write
an audit record naming what was read (not the middleware's safety net for a view that noted
nothing); a route whose GET shows nothing personal (a blank form) or that only takes POST is listed
as such.
"""

import io
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from reintegra.access import case_get_for_user
from reintegra.accounts import reads
from reintegra.accounts.audit import audit_verify
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases import services as case_services
from reintegra.cases.models import Case, Consent, Task
from reintegra.exchange import jobs as exchange_jobs
from reintegra.livelihoods import case_views
from reintegra.livelihoods.models import AllocationRound, Enrolment, IncomeFollowUp, SkillsProfile
from reintegra.network.models import Agency
from reintegra.plans import views as plan_views
from reintegra.plans.models import Assessment, Plan
from reintegra.referrals.api import ReferralViewSet
from reintegra.referrals.models import Referral
from reintegra.transfers import services as transfer_services
from reintegra.transfers.models import Transfer

from . import routes
from .conftest import api_client_for, client_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def url_patterns() -> Iterator[tuple[str, str, Any]]:
    """(the route, its name with namespace, the view) of every URL pattern of the project."""
    for route in routes.walk():
        yield route.path, route.name or "".join(f"{n}:" for n in route.namespaces), route.callback


def declared(name: str, callback: Any) -> tuple[str, ...] | None:
    return reads.declared(callback, name.split(":")[:-1])


def _view_name(callback: Any) -> str:
    holder = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return f"{holder.__module__}.{holder.__qualname__}"


def undeclared() -> list[str]:
    """What to add for each route whose view declares nothing."""
    missing = []
    for route, name, callback in url_patterns():
        if declared(name, callback) is not None:
            continue
        if getattr(callback, "cls", None) or getattr(callback, "view_class", None):
            what = (
                f'the class attribute `personal_data = ("app.model", …)` (what it shows; with the mixin '
                f"reintegra.api.PersonalReads on a viewset) or `personal_data = ()` to {_view_name(callback)}"
            )
        else:
            what = (
                f'`@shows_personal_data("app.model", …)` or `@shows_no_personal_data` (from '
                f"reintegra.accounts.reads, above the other decorators) to {_view_name(callback)}"
            )
        missing.append(f"route {route!r} ({name}): add {what}")
    return missing


def personal_routes() -> dict[str, tuple[str, ...]]:
    """Route name → kinds, for every route declared personal, outside the admin."""
    found = {}
    for route, name, callback in url_patterns():
        kinds = declared(name, callback)
        if kinds and not route.startswith("admin/"):
            found[name] = kinds
    return found


def test_every_route_declares_whether_it_shows_personal_data():
    missing = undeclared()
    assert not missing, "Routes without a declaration of personal data (decisions/0025):\n" + "\n".join(missing)


def test_a_viewset_without_a_declaration_fails_the_walk_with_what_to_add(monkeypatch):
    monkeypatch.delattr(ReferralViewSet, "personal_data")
    missing = "\n".join(undeclared())
    assert "^referrals/$" in missing
    assert "personal_data = (" in missing and "reintegra.referrals.api.ReferralViewSet" in missing


def test_a_view_function_without_a_declaration_fails_the_walk_with_what_to_add(monkeypatch):
    monkeypatch.delattr(case_views.enrolment_list, "personal_data")
    missing = "\n".join(undeclared())
    assert "route 'livelihoods/enrolments/' (livelihoods:enrolments)" in missing
    assert "@shows_personal_data(" in missing and "reintegra.livelihoods.case_views.enrolment_list" in missing


# --- Every route declared personal, read by someone allowed to ---------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "--password", "demo-password", "--cases", "30", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


Where = tuple[User, str]


def _owned_case() -> Case:
    return Case.objects.filter(plan__isnull=False, caseworker__isnull=False, assessments__isnull=False).first()


def _case(_: Any = None) -> Where:
    case = _owned_case()
    return case.caseworker, case.code


def _referral() -> Referral:
    return Referral.objects.filter(case__caseworker__isnull=False).select_related("case__caseworker").first()


def _enrolment() -> Enrolment:
    return Enrolment.objects.filter(case__caseworker__isnull=False, follow_ups__isnull=False).first()


def _task_owner() -> User:
    return Task.objects.filter(done_at__isnull=True, assignee__isnull=False).first().assignee


def _supervisor() -> User:
    return User.objects.filter(role="supervisor").order_by("pk").first()


def _staff_member() -> User:
    return User.objects.filter(agency=_supervisor().agency, role="caseworker").first()


def _transfer() -> Transfer:
    """A transfer of an owned case, proposed by its agency's supervisor (made once, then found)."""
    found = Transfer.objects.select_related("proposed_by").first()
    if found is not None:
        return found
    supervisor = User.objects.filter(role="supervisor", agency__cases__closed_at__isnull=True).first()
    case = Case.objects.filter(agency=supervisor.agency, closed_at__isnull=True, erased_at__isnull=True).first()
    other = Agency.objects.exclude(pk=case.agency_id).filter(members__role="supervisor", active=True).first()
    return transfer_services.transfer_propose(
        actor=supervisor,
        access=case_get_for_user(supervisor, code=case.code, for_edit=True),
        to_agency=other,
        reason="Moves home.",
        override_reason="Protection emergency.",
    )


def _photo() -> Where:
    user, code = _case()
    case_services.photo_set(actor=user, case=Case.objects.get(code=code), data=PNG)
    return user, f"/cases/{code}/photo/"


def _round() -> Where:
    """A round of offers made by the supervisor of an enrolment's case (the demo makes none)."""
    supervisor = _supervisor()
    enrolment = Enrolment.objects.filter(case__agency=supervisor.agency).first()
    round_ = AllocationRound.objects.create(token=uuid.uuid4(), agency=supervisor.agency, made_by=supervisor)
    Enrolment.objects.filter(pk=enrolment.pk).update(allocation_round=round_)
    return supervisor, f"/livelihoods/allocation/rounds/{round_.pk}/"


def _import_job() -> Where:
    """A supervisor's HTCDS upload whose preview found problems (the page quotes the file's values)."""
    supervisor = _supervisor()
    job = exchange_jobs.import_job_start(
        actor=supervisor,
        agency=supervisor.agency,
        file_name="cases.csv",
        data=b"prs_FirstName,prs_Birthdate\nSomsri,1994-02-31\n",
        rows=1,
    )
    return supervisor, f"/exchange/import/jobs/{job.pk}/"


# What a GET of each route declared personal reads, as whom: a function of the demo's data giving
# (the persona, the address); POST_ONLY for a route that takes no GET; BLANK for a GET that shows no
# personal data (a blank form).
POST_ONLY = "post only"
BLANK = "blank"
GETS: dict[str, Callable[[], Where] | str] = {
    "home": lambda: (_task_owner(), "/"),
    "staff": lambda: (_supervisor(), "/staff/"),
    "staff_set_active": POST_ONLY,
    "staff_tokens": lambda: (_supervisor(), f"/staff/{_staff_member().pk}/tokens/"),
    "cases:list": lambda: (_case()[0], "/cases/"),
    "cases:search": POST_ONLY,
    "feedback_link_new": POST_ONLY,  # issue 16: the feedback link, given by a POST
    "api:feedback-links": POST_ONLY,
    "cases:intake": BLANK,
    "cases:tasks": lambda: (_task_owner(), "/cases/tasks/"),
    "cases:detail": lambda: (_case()[0], f"/cases/{_case()[1]}/"),
    "exchange:job": _import_job,
    "cases:edit": lambda: (_case()[0], f"/cases/{_case()[1]}/edit/"),
    "cases:reveal": POST_ONLY,
    "cases:photo": _photo,
    "cases:photo_upload": POST_ONLY,
    **{
        f"cases:{name}": POST_ONLY
        for name in (
            "stage",
            "history",
            "return",
            "consent",
            "consent_withdraw",
            "note",
            "task",
            "task_done",
            "closure",
            "closure_decide",
            "reopen",
            "erasure",
            "erasure_decide",
            "remigration",
            "lost_contact_close",
            "lost_contact_dismiss",
        )
    },
    "plans:plan": lambda: (_case()[0], f"/cases/{_case()[1]}/plan/"),
    "plans:print": lambda: (
        _case()[0],
        f"/cases/{Plan.objects.filter(case=_owned_case()).get().case.code}/plan/print/",
    ),
    "plans:assessment": lambda: (
        _case()[0],
        f"/cases/{_case()[1]}/plan/assessments/{Assessment.objects.filter(case=_owned_case()).first().pk}/",
    ),
    **{
        f"plans:{name}": POST_ONLY
        for name in (
            "priorities",
            "start",
            "meta",
            "goal",
            "action",
            "action_done",
            "submit",
            "approve",
            "send_back",
            "assessment_not_reached",
            "assessment_attempt_remove",
        )
    },
    "referrals:inbox": lambda: (_referral().case.caseworker, "/referrals/?direction=outgoing"),
    "referrals:detail": lambda: (_referral().case.caseworker, f"/referrals/{_referral().pk}/"),
    "referrals:service": POST_ONLY,
    "transfers:detail": lambda: (_transfer().proposed_by, f"/transfers/{_transfer().pk}/"),
    "transfers:action": POST_ONLY,
    "referrals:action": POST_ONLY,
    "referrals:send": POST_ONLY,
    "livelihoods:allocation": lambda: (_supervisor(), "/livelihoods/allocation/"),
    "livelihoods:allocation_confirm": POST_ONLY,
    "livelihoods:allocation_round": _round,
    "livelihoods:allocation_withdraw": POST_ONLY,
    "livelihoods:enrolments": lambda: (_enrolment().case.caseworker, "/livelihoods/enrolments/"),
    "livelihoods:enrolment": lambda: (_enrolment().case.caseworker, f"/livelihoods/enrolments/{_enrolment().pk}/"),
    "livelihoods:case": lambda: (_enrolment().case.caseworker, f"/livelihoods/case/{_enrolment().case.code}/"),
    **{
        f"livelihoods:{name}": POST_ONLY
        for name in (
            "enrolment_move",
            "stipend",
            "placement",
            "follow_up",
            "follow_up_not_reached",
            "follow_up_attempt_remove",
            "referral_enrol",
            "profile",
            "recommend",
        )
    },
    # The API (one name serves the route and its format suffix).
    "api:case-list": lambda: (_case()[0], "/api/v1/cases/"),
    "api:case-detail": lambda: (_case()[0], f"/api/v1/cases/{_case()[1]}/"),
    "api:case-timeline": lambda: (_case()[0], f"/api/v1/cases/{_case()[1]}/timeline/"),
    **{
        f"api:case-{name}": POST_ONLY
        for name in (
            "duplicates",
            "search",
            "closure",
            "closure-decision",
            "erasure",
            "erasure-decision",
            "history",
            "notes",
            "reopen",
            "return-journey",
            "stage",
            "remigrations",
            "lost-contact-close",
            "lost-contact-dismiss",
        )
    },
    "api:consent-list": lambda: (Consent.objects.first().case.caseworker, "/api/v1/consents/"),
    "api:consent-detail": lambda: (
        Consent.objects.first().case.caseworker,
        f"/api/v1/consents/{Consent.objects.first().pk}/",
    ),
    "api:consent-withdraw": POST_ONLY,
    "api:task-list": lambda: (_task_owner(), "/api/v1/tasks/"),
    "api:task-done": POST_ONLY,
    "api:transfer-list": lambda: (_transfer().proposed_by, "/api/v1/transfers/"),
    "api:transfer-detail": lambda: (_transfer().proposed_by, f"/api/v1/transfers/{_transfer().pk}/"),
    **{f"api:transfer-{name}": POST_ONLY for name in ("accept", "decline", "withdraw")},
    "api:case-assign": POST_ONLY,
    "api:referral-list": lambda: (_referral().case.caseworker, "/api/v1/referrals/"),
    "api:referral-detail": lambda: (_referral().case.caseworker, f"/api/v1/referrals/{_referral().pk}/"),
    **{f"api:referral-{name}": POST_ONLY for name in ("accept", "cancel", "complete", "decline", "revoke", "start")},
    "api:priority-list": lambda: (_case()[0], f"/api/v1/priorities/?case={_case()[1]}"),
    "api:plan-list": POST_ONLY,
    "api:plan-detail": lambda: (_case()[0], f"/api/v1/plans/{_case()[1]}/"),
    **{
        f"api:plan-{name}": POST_ONLY
        for name in ("action-add", "action-done", "approve", "goal-add", "send-back", "submit")
    },
    "api:assessment-list": lambda: (_case()[0], f"/api/v1/assessments/?case={_case()[1]}"),
    "api:assessment-record": POST_ONLY,
    "api:assessment-not-reached": POST_ONLY,
    "api:follow-up-not-reached": POST_ONLY,
    "api:assessment-not-reached-remove": POST_ONLY,
    "api:follow-up-not-reached-remove": POST_ONLY,
    "api:skills-list": lambda: (SkillsProfile.objects.first().case.caseworker, "/api/v1/skills/"),
    "api:skills-detail": lambda: (
        SkillsProfile.objects.first().case.caseworker,
        f"/api/v1/skills/{SkillsProfile.objects.first().case.code}/",
    ),
    "api:enrolment-list": lambda: (_enrolment().case.caseworker, "/api/v1/enrolments/"),
    "api:enrolment-recommendations": lambda: (
        SkillsProfile.objects.first().case.caseworker,
        f"/api/v1/enrolments/recommendations/?case={SkillsProfile.objects.first().case.code}",
    ),
    "api:enrolment-detail": lambda: (_enrolment().case.caseworker, f"/api/v1/enrolments/{_enrolment().pk}/"),
    **{f"api:enrolment-{name}": POST_ONLY for name in ("placement", "status", "stipends")},
    "api:follow-up-list": lambda: (_enrolment().case.caseworker, "/api/v1/follow-ups/"),
    "api:follow-up-detail": lambda: (
        _enrolment().case.caseworker,
        f"/api/v1/follow-ups/{IncomeFollowUp.objects.filter(enrolment=_enrolment()).first().pk}/",
    ),
}


def test_every_route_declared_personal_has_a_row_here():
    missing = sorted(set(personal_routes()) - set(GETS))
    assert not missing, (
        "Routes declared personal without a row in GETS of tests/test_read_audit.py (who reads it, at which "
        "address; or POST_ONLY, or BLANK): " + ", ".join(missing)
    )
    assert not set(GETS) - set(personal_routes()), "rows of GETS for routes not declared personal"


def _records_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.mark.parametrize("name", sorted(personal_routes()))
def test_a_get_of_a_route_declared_personal_writes_a_record_naming_what_was_read(demo, db, name):
    row = GETS.get(name)
    assert row is not None, f"{name}: add a row to GETS (who reads it, at which address; or POST_ONLY, or BLANK)"
    if not callable(row):
        return  # POST_ONLY is checked below (a GET answers 405); BLANK by test_a_blank_form_writes_no_record
    user, url = row()
    client = api_client_for(user) if url.startswith("/api/") else client_for(user)
    before = _last_seq()
    response = client.get(url)
    assert response.status_code == 200, (name, url, user.username, response.status_code)
    shown = [e for e in _records_since(before) if e.action in (AuditEvent.Action.READ, AuditEvent.Action.REVEAL)]
    assert shown, f"{name}: GET {url} as {user.username} wrote no audit record"
    for event in shown:
        assert event.actor_username == user.username
        assert not event.details.get("unnoted"), f"{name}: the view noted nothing; only the safety net wrote {event}"
        assert event.object_type, event
        assert event.object_id or event.details.get("codes"), f"{name}: the record names no object: {event}"
    keys = [(e.action, e.object_type, e.object_id) for e in shown]
    assert len(keys) == len(set(keys)), f"{name}: the same object recorded twice in one read: {keys}"


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@pytest.mark.parametrize("name", sorted(n for n, row in GETS.items() if row == POST_ONLY))
def test_a_route_listed_post_only_takes_no_get(demo, db, name):
    route = next(r for r, n, _ in url_patterns() if n == name)
    user, code = _case()
    values = {"code": code, "action": "accept"}
    url = "/" + _PARAMETER.sub(lambda m: values.get(m.group(1) or m.group(2), "1"), route).replace("^", "").replace(
        "$", ""
    )
    client = api_client_for(user) if url.startswith("/api/") else client_for(user)
    assert client.get(url).status_code == 405, (name, url)


def test_after_every_read_the_audit_chain_verifies(demo, db):
    user, code = _case()
    client_for(user).get(f"/cases/{code}/")
    api_client_for(user).get("/api/v1/referrals/")
    report = audit_verify()
    assert report.ok, report


# --- The one place: notes written once, the safety net, no double records ---------------------------


def test_the_referral_api_names_the_referrals_read(demo, db):
    referral = _referral()
    user = referral.case.caseworker
    before = _last_seq()
    api_client_for(user).get(f"/api/v1/referrals/{referral.pk}/")
    (event,) = [e for e in _records_since(before) if e.action == "read"]
    assert (event.action, event.object_type, event.object_id) == ("read", "referrals.referral", str(referral.pk))
    assert event.categories == ["referral"]
    before = _last_seq()
    listed = api_client_for(user).get("/api/v1/referrals/").json()["results"]
    (event,) = [e for e in _records_since(before) if e.action == "read"]
    assert (event.object_type, event.object_id) == ("referrals.referral", "list")
    assert event.details["ids"] == [str(r["id"]) for r in listed]


def test_a_page_that_shows_one_object_twice_writes_one_record(demo, db):
    """The referral's page reads the referral, and its livelihood part reads it again: one record,
    with the categories of both."""
    referral = next(
        r
        for r in Referral.objects.filter(case__caseworker__isnull=False).select_related("case__caseworker")
        if Enrolment.objects.filter(case=r.case, opportunity__provider=r.to_agency).exists()
    )
    before = _last_seq()
    client_for(referral.case.caseworker).get(f"/referrals/{referral.pk}/")
    records = [e for e in _records_since(before) if e.object_type == "referrals.referral"]
    assert len(records) == 1
    assert set(records[0].categories) == {"referral", "livelihood"}
    assert records[0].details["via"] == "referral" and records[0].details["enrolments"]


def test_a_view_that_notes_nothing_still_leaves_a_record_naming_the_route(demo, db, monkeypatch):
    monkeypatch.setattr(plan_views, "note_read", lambda **kwargs: None)
    user, code = _case()
    assessment = Assessment.objects.filter(case=_owned_case()).first()
    before = _last_seq()
    response = client_for(user).get(f"/cases/{code}/plan/assessments/{assessment.pk}/")
    assert response.status_code == 200
    (event,) = _records_since(before)
    assert (event.action, event.object_type, event.object_id) == ("read", "plans.assessment", str(assessment.pk))
    assert event.details["unnoted"] is True and event.details["route"] == "plans:assessment"
    assert event.details["path_ids"] == {"code": code, "assessment_id": str(assessment.pk)}


def test_a_refused_or_missing_read_writes_no_safety_net_record(demo, db):
    user, code = _case()
    before = _last_seq()
    assert client_for(user).get("/cases/NO-SUCH-CASE/").status_code == 404
    assert client_for(user).get(f"/cases/{code}/stage/").status_code == 405
    assert _records_since(before) == []


def test_a_blank_form_writes_no_record(demo, db):
    user, _code = _case()
    before = _last_seq()
    assert client_for(user).get("/cases/new/").status_code == 200
    assert _records_since(before) == []


def test_outside_a_request_a_note_is_written_at_once(users, network):
    before = _last_seq()
    reads.note_read(actor=users["alice"], object_type="cases.case", object_id="7", categories=["identity"])
    (event,) = _records_since(before)
    assert (event.object_type, event.object_id, event.categories) == ("cases.case", "7", ["identity"])


def test_within_a_request_notes_merge_and_wait_for_the_end(users, network):
    before = _last_seq()
    with reads.collecting() as ledger:
        reads.note_read(actor=users["alice"], object_type="cases.case", object_id="7", categories=["identity"])
        reads.note_read(actor=users["alice"], object_type="cases.case", object_id="7", categories=["contact"])
        assert _records_since(before) == []
    assert reads.write(ledger) == 1
    (event,) = _records_since(before)
    assert event.categories == ["contact", "identity"]


def test_the_admin_is_declared_personal_and_its_reads_are_recorded(db):
    admin = User.objects.create_superuser("root", "root@example.org", "a long admin password")
    before = _last_seq()
    assert client_for(admin).get("/admin/accounts/user/").status_code == 200
    (event,) = _records_since(before)
    assert event.details["route"] == "admin:accounts_user_changelist"
    assert event.object_type == "accounts.user"
