"""The hostile-input corpus (tests/hostile.py) through every form (the catalogue of
tests/form_catalogue.py), every write of the API (the table below, checked against the schema) and
every import (the labour-market CSV on its page and in the API, the returnee's photo, `reintegra
match`). Each value gets a clear 4xx or a message beside its field with nothing saved, or is
accepted, stored exactly as sent and shown escaped; never a 5xx. Each post runs in a savepoint
rolled back afterwards, so every value meets the same records."""

import csv
import io
import json
import pathlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from reintegra.access import case_get_for_user
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases import services as case_services
from reintegra.livelihoods import services as livelihood_services
from reintegra.livelihoods.models import LabourMarketDemand
from reintegra.transfers import services as transfer_services

from . import hostile
from .cases.test_api import NEW_CASE
from .conftest import api_client_for, client_for
from .form_catalogue import FORMS, Form, World, days_ago, formatted, with_password, writes
from .html import Element, parse
from .plans.test_scoring import EXAMPLE

# Tables whose rows change without a write of the product: sessions, the audit records of reads
# (writes are counted by `writes()`), the log-in gate and the task queue of the background worker.
_NOT_COUNTED = {
    "django_session",
    AuditEvent._meta.db_table,
    "accounts_logingate",
    "accounts_loginfailure",
}


def _tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy} - _NOT_COUNTED)


def state() -> dict[str, int]:
    """The number of rows of every table of the project and of writes, in two queries."""
    tables, quote = _tables(), connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))  # noqa: S608
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    return counts | {"writes": writes()}


def changed(before: dict[str, int]) -> dict[str, tuple[int, int]]:
    """What changed since `before`: empty when nothing was saved."""
    after = state()
    return {k: (before[k], after[k]) for k in after if after[k] != before[k]}


@contextmanager
def rolled_back() -> Iterator[None]:
    """What happens inside is undone: the next value meets the same records."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def stored_texts() -> Iterator[str]:
    """Every text the project holds (encrypted fields read through the ORM, decrypted)."""
    for model in apps.get_models():
        if not model.__module__.startswith("reintegra.") or model is AuditEvent:
            continue
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if names:
            for row in model.objects.values_list(*names):
                for value in row:
                    yield from _strings(value)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def kept(value: hostile.Hostile) -> str:
    """ "exactly" when the value is stored as sent, "no" when nothing of it is, else "changed"."""
    texts = list(stored_texts())
    if any(value.value in text for text in texts):
        return "exactly"
    return "changed" if value.mark and any(value.mark in text for text in texts) else "no"


def not_rendered_raw(response: Any, value: hostile.Hostile) -> None:
    """The value may appear in the page only escaped."""
    assert response.status_code < 500, (response.status_code, value.name)
    if value.needs_escaping and response.get("Content-Type", "").startswith("text/html"):
        page = response.content.decode()
        assert value.value not in page, f"{value.name} shown unescaped"


# --- Forms ------------------------------------------------------------------------------------------

_TEXT_INPUTS = {"text", "search", "email", "tel", "url"}


def field_kinds(form: Element) -> dict[str, str]:
    """Each field of a form shown in a page: text, number, date or other (choices, boxes, files)."""
    kinds: dict[str, str] = {}
    for element in form.iter():
        name = element.attrs.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        if element.tag == "textarea":
            kinds[name] = "text"
        elif element.tag == "input":
            kind = element.attrs.get("type", "text")
            if kind == "number" or element.attrs.get("inputmode") in ("numeric", "decimal"):
                kinds[name] = "number"
            elif kind == "date":
                kinds[name] = "date"
            elif kind in _TEXT_INPUTS:
                kinds[name] = "text"
            else:
                kinds.setdefault(name, "other")
        else:
            kinds.setdefault(name, "other")
    return kinds


def _form_html(page: str, form_id: str) -> str:
    """The HTML of the form `form_id` (a page holds other forms with fields of the same names)."""
    start = re.search(rf'<form\b[^>]*\bid="{re.escape(form_id)}"', page)
    if start is None:
        return ""
    end = page.find("</form>", start.end())
    return page[start.start() : end if end != -1 else len(page)]


def error_beside(page: str, name: str, form_id: str) -> bool:
    """The field `name` of the form is shown marked invalid (`aria-invalid`, its error beside it)."""
    tag = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{re.escape(name)}"[^>]*>', _form_html(page, form_id))
    return tag is not None and 'aria-invalid="true"' in tag.group()


def has_errors(page: str) -> bool:
    return "data-error-summary" in page


@pytest.fixture
def world(users, network) -> World:
    return World(users, network)


FORM_ROWS = [row for row in FORMS if row.name not in ("photo", "labour-market import", "htcds import")]  # files


def send_to_form(
    row: Form, world: World, client: Client, data: dict[str, Any], name: str, value: hostile.Hostile, kind: str
) -> None:
    url = row.url(world)
    before = state()
    response = client.post(url, data | {name: value.value})
    not_rendered_raw(response, value)
    page = response.content.decode()
    accepted = response.status_code == 302 or (response.status_code == 200 and not has_errors(page))
    where = f"{row.name}.{name}={value.name}"
    if not accepted:
        assert not changed(before), f"{where}: refused but saved" + f": {changed(before)}"
        if response.status_code in (200, 400):
            form_id = formatted(row, world, row.form_id)
            assert error_beside(page, name, form_id), f"{where}: no error beside the field"
        return
    assert value.outcome != hostile.REFUSE, f"{where}: accepted ({response.status_code})"
    saved = bool(changed(before))
    if kind == "text" and saved:
        # Stored as sent, or not kept at all (a move that takes no reason keeps none); never changed.
        assert kept(value) != "changed", f"{where}: stored changed"
    elif value.mark and saved:
        assert kept(value) == "no", f"{where}: a choice or a box stored the text"
    if response.status_code == 302 and (kind == "date" or any(c in value.value for c in '<"')):
        not_rendered_raw(client.get(response["Location"]), value)
    if kind == "date":
        not_rendered_raw(client.get("/"), value)


@pytest.mark.parametrize("row", FORM_ROWS, ids=[row.name for row in FORM_ROWS])
def test_every_form_refuses_or_keeps_the_corpus_exactly(row: Form, world, users):
    # The pages read in the Buddhist era (543 years added): the dates far away meet it too.
    User.objects.update(calendar="buddhist")
    # The data once, before the client: every post is rolled back, so its versions stay right (and
    # the password form's data sets the password, which would end a session made before).
    url, data = row.url(world), row.data(world)
    client = client_for(users[row.role])
    name, bad = row.broken
    shown = parse(client.post(url, data | {name: bad}).content)
    form = shown.by_id(formatted(row, world, row.form_id))
    assert form is not None, f"{row.name}: the form is not shown again"
    with rolled_back():
        response = client.post(url, data)
        page = response.content.decode()
        assert response.status_code == 302 or not has_errors(page), f"{row.name}: the valid data is refused"
    kinds = {k: v for k, v in field_kinds(form).items() if k != "version" and (k in data or v != "other")}
    corpus = {"text": hostile.TEXT, "number": hostile.NUMBERS, "date": hostile.DATES}
    tried = 0
    for field_name, kind in sorted(kinds.items()):
        # A choice refuses what is not one of its values; a box is ticked by any value, keeping none.
        for value in corpus.get(kind, [hostile.TAGS]):
            with rolled_back():
                send_to_form(row, world, client, data, field_name, value, kind)
            tried += 1
    assert tried, f"{row.name}: no field tried"


# --- The API ----------------------------------------------------------------------------------------


class ApiWorld(World):
    """The forms' world, and what only the API's writes need."""

    @cached_property
    def figure(self):
        return (
            livelihood_services.labour_market_import(
                actor=self.users["cora"], text=LM_HEADER + "TH-57,72,120,,12000,THB,Office,2026-06-30\n"
            )
            and LabourMarketDemand.objects.get()
        )

    @cached_property
    def case_in_reintegration(self):
        case = self.case
        case_services.case_set_stage(actor=self.users["alice"], case=case, stage="reintegration", version=case.version)
        case.refresh_from_db()
        return case

    @cached_property
    def referral_with_consent(self):
        assert self.consent_to_beta is not None
        return self.case

    @cached_property
    def transfer(self):
        """Alpha's case proposed to Beta by Alpha's supervisor (without consent, his recorded decision)."""
        sam = self.users["sam"]
        return transfer_services.transfer_propose(
            actor=sam,
            access=case_get_for_user(sam, code=self.case.code, for_edit=True),
            to_agency=self.network.beta,
            reason="She moves home.",
            override_reason="Protection emergency.",
        )


@dataclass(frozen=True)
class Write:
    """One write of the API: who sends it, where, and a valid body (for a PATCH, the body beside the
    field sent: its version)."""

    method: str
    path: str  # as in the schema
    role: str | None
    url: Callable[[ApiWorld], str]
    body: Callable[[ApiWorld], dict[str, Any]]
    not_tried: tuple[str, ...] = ()  # fields whose refusal names no field by design

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


LM_HEADER = "area,isco,vacancies,demand_index,monthly_wage,currency,source,as_of\n"
AGENCY_BODY = {
    "name": "Sunrise Shelter",
    "name_local": "บ้านพักซันไรส์",
    "slug": "sunrise-shelter",
    "type": "NGOIOShelter",
    "country": "TH",
    "languages": ["th"],
    "areas": ["TH-57"],
    "contact_email": "hello@sunrise.example.org",
    "contact_phone": "+66 53 000 111",
    "website": "https://sunrise.example.org",
    "address": "1 Road, Chiang Rai",
    "description": "A shelter for women",
}
HISTORY_BODY = {
    "type": "Exploitation",
    "country": "MY",
    "area": "Johor Bahru",
    "started_on": days_ago(400),
    "ended_on": days_ago(30),
    "exploitation_types": ["ForcedLabour"],
    "industry": "F_Construction",
    "duration_months": 13,
    "debt_amount": "30000.00",
    "debt_currency": "THB",
    "creditor": "Broker in Mae Sai",
}
OPTION_BODY = {
    "kind": "vocational_training",
    "title": "Tailoring course",
    "isco": "75",
    "area": "TH-57",
    "duration_weeks": 10,
    "seats": 12,
    "stipend_monthly": "3000",
    "wage_monthly": "9000",
    "cost": "5000",
    "currency": "THB",
    "min_age": 18,
    "max_age": 60,
    "pathway": "Placement with partner garment shops",
    "certification": "Level 1",
    "gender_restriction_reason": "",
}
SERVICE_BODY = {
    "name": "Counselling",
    "name_local": "การให้คำปรึกษา",
    "stage": "reintegration",
    "category": "psychosocial_counselling",
    "description": "One to one",
    "min_age": 15,
    "max_age": 80,
    "capacity": 8,
    "cost_to_client": "100.00",
    "cost_currency": "THB",
}
PLACEMENT_BODY = {
    "kind": "job",
    "employer_name": "Mae Sai Electrics",
    "isco": "74",
    "started_on": days_ago(5),
    "contract": "permanent",
    "monthly_income": "9500",
    "currency": "THB",
    "business_type": "",
    "finance_amount": None,
}
SKILLS_BODY = {
    "education": "LowerSecondaryEducation",
    "certificates": "Forklift licence",
    "aptitude_notes": "Quick with tools",
    "aspirations_words": "A steady job near home",
    "health_limits": "None",
    "income_needed_monthly": "9000",
    "currency": "THB",
    "assessed_on": days_ago(3),
}


def _case(w: ApiWorld, path: str = "") -> str:
    return f"/api/v1/cases/{w.case.code}/{path}"


WRITES = [
    Write(
        "post",
        "/api/v1/auth/token/",
        None,
        lambda w: "/api/v1/auth/token/",
        lambda w: {"username": "alice", "password": with_password(w, "alice")["old_password"]},
        # A wrong username or password is refused without saying which (no oracle of usernames).
        not_tried=("username", "password"),
    ),
    Write("post", "/api/v1/agencies/", "cora", lambda w: "/api/v1/agencies/", lambda w: dict(AGENCY_BODY)),
    Write(
        "patch",
        "/api/v1/agencies/{slug}/",
        "cora",
        lambda w: f"/api/v1/agencies/{w.network.alpha.slug}/",
        lambda w: {"version": w.network.alpha.version},
    ),
    Write(
        "post",
        "/api/v1/assessments/{id}/record/",
        "alice",
        lambda w: f"/api/v1/assessments/{w.assessment.pk}/record/",
        lambda w: {"done_on": days_ago(1), "answers": dict(EXAMPLE)},
    ),
    Write(
        "post",
        "/api/v1/assessments/{id}/not-reached/",
        "alice",
        lambda w: f"/api/v1/assessments/{w.assessment.pk}/not-reached/",
        lambda w: {"on": days_ago(0), "how": "phone", "note": "No answer"},
    ),
    Write("post", "/api/v1/cases/", "alice", lambda w: "/api/v1/cases/", lambda w: dict(NEW_CASE)),
    Write("patch", "/api/v1/cases/{code}/", "alice", lambda w: _case(w), lambda w: {"version": w.case.version}),
    Write(
        "post",
        "/api/v1/cases/{code}/closure/",
        "alice",
        lambda w: f"/api/v1/cases/{w.case_in_reintegration.code}/closure/",
        lambda w: {"reason": "Working for a year", "reason_code": "reintegrated"},
    ),
    Write(
        "post",
        "/api/v1/cases/{code}/remigrations/",
        "alice",
        lambda w: _case(w, "remigrations/"),
        lambda w: {"country": "MY", "regular": True, "left_on": days_ago(10)},
    ),
    Write(
        "post", "/api/v1/cases/{code}/history/", "alice", lambda w: _case(w, "history/"), lambda w: dict(HISTORY_BODY)
    ),
    # A supervisor gives the case to a caseworker of the agency (himself here), named by username.
    Write(
        "post",
        "/api/v1/cases/{code}/assign/",
        "sam",
        lambda w: _case(w, "assign/"),
        lambda w: {"caseworker": "sam"},
    ),
    Write("post", "/api/v1/cases/{code}/notes/", "alice", lambda w: _case(w, "notes/"), lambda w: {"text": "Met"}),
    Write(
        "post",
        "/api/v1/cases/{code}/reopen/",
        "alice",
        lambda w: f"/api/v1/cases/{w.closed_case.code}/reopen/",
        lambda w: {"reason": "Threats resumed"},
    ),
    Write(
        "put",
        "/api/v1/cases/{code}/return/",
        "alice",
        lambda w: _case(w, "return/"),
        lambda w: {
            "country_from": "MY",
            "returned_on": days_ago(20),
            "return_type": "deportation",
            "documents_issued": "Temporary passport",
            "point_of_arrival": "Mae Sai checkpoint",
        },
    ),
    Write(
        "post",
        "/api/v1/cases/{code}/stage/",
        "alice",
        lambda w: _case(w, "stage/"),
        lambda w: {"stage": "reintegration", "version": w.case.version, "reason": "Back from the shelter"},
    ),
    Write(
        "post",
        "/api/v1/cases/search/",
        "alice",
        lambda w: "/api/v1/cases/search/",
        lambda w: {"name": "Somsri", "phone": "+66 81 234 5678"},
    ),
    Write(
        "post",
        "/api/v1/consents/",
        "alice",
        lambda w: "/api/v1/consents/",
        lambda w: {
            "case": w.case.code,
            "purpose": "sharing",
            "recipient_agency": w.network.beta.slug,
            "categories": ["profile"],
            "given_on": days_ago(1),
            "language": "th",
        },
    ),
    Write(
        "post",
        "/api/v1/enrolments/",
        "alice",
        lambda w: "/api/v1/enrolments/",
        lambda w: {
            "case": w.case.code,
            "opportunity": w.option.pk,
            "on": days_ago(1),
        },
        # Given beside the case, a referral is refused as such ("give either the case or the referral").
        not_tried=("referral",),
    ),
    Write(
        "put",
        "/api/v1/enrolments/{id}/placement/",
        "pat",
        lambda w: f"/api/v1/enrolments/{w.enrolment.pk}/placement/",
        lambda w: dict(PLACEMENT_BODY),
    ),
    Write(
        "post",
        "/api/v1/enrolments/{id}/status/",
        "pat",
        lambda w: f"/api/v1/enrolments/{w.enrolment.pk}/status/",
        lambda w: {"version": w.enrolment.version, "to": "completed", "on": days_ago(2), "reason": "Finished"},
    ),
    Write(
        "post",
        "/api/v1/enrolments/{id}/stipends/",
        "pat",
        lambda w: f"/api/v1/enrolments/{w.enrolment.pk}/stipends/",
        lambda w: {"paid_on": days_ago(3), "amount": "6000", "currency": "THB"},
    ),
    Write(
        "patch",
        "/api/v1/follow-ups/{id}/",
        "alice",
        lambda w: f"/api/v1/follow-ups/{w.follow_up.pk}/",
        lambda w: {"done_on": days_ago(1), "employment": "employed", "currency": "THB"},
    ),
    Write(
        "post",
        "/api/v1/follow-ups/{id}/not-reached/",
        "alice",
        lambda w: f"/api/v1/follow-ups/{w.follow_up.pk}/not-reached/",
        lambda w: {"on": days_ago(0), "how": "visit", "note": "Nobody at home"},
    ),
    Write(
        "post",
        "/api/v1/labour-market/",
        "cora",
        lambda w: "/api/v1/labour-market/",
        lambda w: {
            "area": "TH-57",
            "isco": "72",
            "vacancies": 120,
            "demand_index": "55.5",
            "monthly_wage": "12000",
            "wage_currency": "THB",
            "source": "Employment office",
            "as_of": days_ago(10),
        },
    ),
    Write(
        "patch",
        "/api/v1/labour-market/{id}/",
        "cora",
        lambda w: f"/api/v1/labour-market/{w.figure.pk}/",
        lambda w: {"version": w.figure.version},
    ),
    Write(
        "post",
        "/api/v1/opportunities/",
        "cora",
        lambda w: "/api/v1/opportunities/",
        lambda w: OPTION_BODY | {"provider": w.network.trainer.slug},
    ),
    Write(
        "patch",
        "/api/v1/opportunities/{id}/",
        "cora",
        lambda w: f"/api/v1/opportunities/{w.option.pk}/",
        lambda w: {"version": w.option.version},
    ),
    Write("post", "/api/v1/plans/", "alice", lambda w: "/api/v1/plans/", lambda w: {"case": w.case.code}),
    Write(
        "patch",
        "/api/v1/plans/{code}/",
        "alice",
        lambda w: f"/api/v1/plans/{w.plan.case.code}/",
        lambda w: {"version": w.plan.version},
    ),
    Write(
        "post",
        "/api/v1/plans/{code}/goals/",
        "alice",
        lambda w: f"/api/v1/plans/{w.plan.case.code}/goals/",
        lambda w: {"domain": "economic", "description": "A steady income", "target_date": days_ago(-90)},
    ),
    Write(
        "post",
        "/api/v1/plans/{code}/goals/{goal_id}/actions/",
        "alice",
        lambda w: f"/api/v1/plans/{w.case.code}/goals/{w.goal.pk}/actions/",
        lambda w: {
            "kind": "service",
            "description": "Enrol in the apprenticeship",
            "responsible_agency": w.network.trainer.slug,
            "target_date": days_ago(-30),
        },
    ),
    Write(
        "post",
        "/api/v1/plans/{code}/send-back/",
        "sam",
        lambda w: f"/api/v1/plans/{w.submitted_plan.case.code}/send-back/",
        lambda w: {"reason": "Add a goal for her children's schooling"},
    ),
    Write(
        "post",
        "/api/v1/priorities/",
        "alice",
        lambda w: "/api/v1/priorities/",
        lambda w: {"case": w.case.code, "ranking": ["income"], "words": {"overall": "Work"}, "context": "intake"},
    ),
    Write(
        "post",
        "/api/v1/referrals/",
        "alice",
        lambda w: "/api/v1/referrals/",
        lambda w: {
            "case": w.referral_with_consent.code,
            "to_agency": w.network.beta.slug,
            "reasons": ["AdditionalServicesRequired"],
            "reason_text": "Needs a safe place",
            "urgency": "priority",
            "categories": ["profile"],
        },
    ),
    Write(
        "post",
        "/api/v1/referrals/{id}/cancel/",
        "alice",
        lambda w: f"/api/v1/referrals/{w.referral.pk}/cancel/",
        lambda w: {"reason": "Found a closer shelter", "confirm": True},
    ),
    Write(
        "post",
        "/api/v1/referrals/{id}/complete/",
        "bob",
        lambda w: f"/api/v1/referrals/{w.accepted_referral.pk}/complete/",
        lambda w: {"reason": "Services given", "confirm": True},
    ),
    Write(
        "post",
        "/api/v1/referrals/{id}/decline/",
        "bob",
        lambda w: f"/api/v1/referrals/{w.referral.pk}/decline/",
        lambda w: {"reason": "Shelter full", "confirm": True},
    ),
    Write(
        "post",
        "/api/v1/referrals/{id}/revoke/",
        "alice",
        lambda w: f"/api/v1/referrals/{w.accepted_referral.pk}/revoke/",
        lambda w: {"reason": "The returnee moved", "confirm": True},
    ),
    Write(
        "post",
        "/api/v1/transfers/",
        "sam",
        lambda w: "/api/v1/transfers/",
        lambda w: {
            "case": w.case.code,
            "to_agency": w.network.beta.slug,
            "reason": "She moves home.",
            "override_reason": "Protection emergency.",
        },
    ),
    Write(
        "post",
        "/api/v1/transfers/{id}/accept/",
        "bella",
        lambda w: f"/api/v1/transfers/{w.transfer.pk}/accept/",
        lambda w: {"caseworker": "bob"},
    ),
    Write(
        "post",
        "/api/v1/transfers/{id}/decline/",
        "bella",
        lambda w: f"/api/v1/transfers/{w.transfer.pk}/decline/",
        lambda w: {"reason": "No caseworker free in Cebu."},
    ),
    Write(
        "post",
        "/api/v1/transfers/{id}/withdraw/",
        "sam",
        lambda w: f"/api/v1/transfers/{w.transfer.pk}/withdraw/",
        lambda w: {"reason": "She stays after all."},
    ),
    Write(
        "post",
        "/api/v1/services/",
        "cora",
        lambda w: "/api/v1/services/",
        lambda w: SERVICE_BODY | {"agency": w.network.alpha.slug},
    ),
    Write(
        "patch",
        "/api/v1/services/{id}/",
        "cora",
        lambda w: f"/api/v1/services/{w.network.alpha.services.first().pk}/",
        lambda w: {"version": w.network.alpha.services.first().version},
    ),
    Write(
        "put",
        "/api/v1/skills/{case}/",
        "alice",
        lambda w: f"/api/v1/skills/{w.case.code}/",
        lambda w: dict(SKILLS_BODY),
    ),
    Write(
        "post",
        "/api/v1/tasks/",
        "alice",
        lambda w: "/api/v1/tasks/",
        lambda w: {"case": w.case.code, "title": "Call the family", "due_on": days_ago(-3)},
    ),
]
# Writes of the schema that are not rows above, and why.
WRITES_ELSEWHERE = {
    "PUT /api/v1/agencies/{slug}/": "the same serializer as its PATCH, which is a row",
    "POST /api/v1/feedback-links/": "a kind and an id, refused by name (feedback/test_feedback.py)",
    "PUT /api/v1/labour-market/{id}/": "the same serializer as its PATCH, which is a row",
    "PUT /api/v1/opportunities/{id}/": "the same serializer as its PATCH, which is a row",
    "PUT /api/v1/services/{id}/": "the same serializer as its PATCH, which is a row",
    "PATCH /api/v1/skills/{case}/": "the same serializer as its PUT, which is a row",
    "POST /api/v1/cases/{code}/closure/decision/": "a yes or no: no text, number or date",
    "POST /api/v1/cases/{code}/erasure/": "the ReasonSerializer of closure/, which is a row",
    "POST /api/v1/cases/{code}/erasure/decision/": "a yes or no: no text, number or date",
    "POST /api/v1/cases/duplicates/": "the duplicate check's own tests (cases/test_duplicate_check.py)",
    "POST /api/v1/labour-market/import/": "an import: test_the_csv_import_* below",
}


@cache
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def write_operations() -> dict[str, dict[str, Any]]:
    """Each write of the API with a body: its name and the properties of that body."""
    found = {}
    components = schema()["components"]["schemas"]
    for path, operations in schema()["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if not content:
                continue
            ref = next(iter(content.values()))["schema"].get("$ref", "")
            properties = components[ref.rsplit("/", 1)[-1]].get("properties", {}) if ref else {}
            found[f"{method.upper()} {path}"] = {k: v for k, v in properties.items() if not v.get("readOnly")}
    return found


def kind_of(spec: dict[str, Any]) -> str | None:
    """text, number or date, from a property of the schema (None: a choice, a list, an object…)."""
    if spec.get("type") in ("integer", "number") or spec.get("format") == "decimal":
        return "number"
    if spec.get("type") == "string" and spec.get("format") == "date":
        return "date"
    if spec.get("type") == "string" and "format" not in spec and "enum" not in spec:
        return "text"
    return None


def test_every_write_of_the_api_is_a_row_or_said_to_be_tested_elsewhere():
    rows = {w.name for w in WRITES}
    assert len(rows) == len(WRITES)
    for name in write_operations():
        assert name in rows or name in WRITES_ELSEWHERE, f"{name} is in no row of WRITES"
    assert not (rows | set(WRITES_ELSEWHERE)) - set(write_operations()), "rows for writes that no longer exist"


@pytest.fixture
def api_world(users, network) -> ApiWorld:
    return ApiWorld(users, network)


def _json_values(kind: str) -> list[tuple[str, Any, str, str]]:
    """(name, value, outcome, mark) of the corpus for a field of this kind in a JSON body."""
    if kind == "text":
        return [(v.name, v.value, v.outcome, v.mark) for v in hostile.TEXT]
    if kind == "number":
        return [(n, v, o, "") for n, v, o in hostile.JSON_NUMBERS]
    return [(v.name, v.value, v.outcome, "") for v in hostile.DATES]


@pytest.mark.parametrize("row", WRITES, ids=[w.name for w in WRITES])
def test_every_write_of_the_api_refuses_or_keeps_the_corpus_exactly(row: Write, api_world, users):
    client = api_client_for(users[row.role] if row.role else None)
    url, body = row.url(api_world), row.body(api_world)
    fields = {name: kind_of(spec) for name, spec in write_operations()[row.name].items()}
    fields = {name: kind for name, kind in fields.items() if kind and name != "version" and name not in row.not_tried}
    assert fields, f"{row.name}: no text, number or date field"
    with rolled_back():
        response = getattr(client, row.method)(url, body, format="json")
        assert response.status_code < 300, f"{row.name}: the valid body is refused: {response.content[:500]}"
    for name, kind in sorted(fields.items()):
        for label, value, outcome, mark in _json_values(kind):
            where = f"{row.name} {name}={label}"
            with rolled_back():  # the body made once: every post is rolled back, so its versions stay right
                before = state()
                response = getattr(client, row.method)(url, body | {name: value}, format="json")
                assert response.status_code < 500, f"{where}: {response.status_code}"
                if response.status_code >= 400:
                    assert not changed(before), f"{where}: refused but saved" + f": {changed(before)}"
                    if response.status_code == 400:
                        error = response.json()["error"]
                        assert name in error["fields"] or any(k.startswith(f"{name}.") for k in error["fields"]), (
                            f"{where}: the error names {sorted(error['fields'])}: {error['message']}"
                        )
                    continue
                assert outcome != hostile.REFUSE, f"{where}: accepted ({response.status_code})"
                if kind == "text":
                    found = kept(hostile.Hostile(label, value, mark=mark))
                    assert found != "changed", f"{where}: stored changed"


# --- Bodies: deep, not UTF-8, too large ---------------------------------------------------------------


@pytest.mark.parametrize("row", WRITES, ids=[w.name for w in WRITES])
def test_every_write_of_the_api_refuses_bodies_it_cannot_hold(row: Write, api_world, users):
    client = api_client_for(users[row.role] if row.role else None)
    url, body = row.url(api_world), row.body(api_world)
    valid = hostile.json_text(body).encode()
    padded = hostile.json_text(body | {"padding": "x" * hostile.oversized()}).encode()
    before = state()
    for raw, expected in (
        (hostile.deep_json(100_000).encode(), {400}),
        (valid[:-1] + b', "x": "' + hostile.INVALID_UTF8 + b'"}', {400}),
        # 413 from the API's parser; 400 when Django read the body first (its own limit).
        (padded, {400, 413}),
    ):
        response = client.generic(row.method.upper(), url, raw, content_type="application/json")
        assert response.status_code in expected, (row.name, response.status_code, response.content[:300])
        assert not changed(before), changed(before)


def test_a_form_not_in_utf8_is_refused_with_400_and_nothing_saved(world, users):
    client = client_for(users["alice"])
    url = f"/cases/{world.case.code}/notes/"
    before = state()
    body = b"text=caf%E9+%C0%AF+%FF"
    response = client.generic("POST", url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and not changed(before), changed(before)
    assert "UTF-8" in response.content.decode()
    # The same text in UTF-8 is saved.
    response = client.generic("POST", url, b"text=caf%C3%A9", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302 and kept(hostile.Hostile("café", "café")) == "exactly"


@pytest.mark.parametrize("query", ["q=%FF", "q=caf%E9", "%C0%AF=1"])
def test_an_address_not_in_utf8_is_refused_with_400(users, query):
    assert client_for(users["alice"]).get(f"/cases/?{query}").status_code == 400


@pytest.mark.parametrize("path", ["/cases/", "/livelihoods/labour-market/", "/network/", "/livelihoods/options/"])
@pytest.mark.parametrize("value", [hostile.NUL, hostile.SCRIPT, hostile.SQL, hostile.TOO_LONG])
def test_filters_of_lists_take_the_corpus_without_a_5xx(users, network, path, value):
    client = client_for(users["cora"] if "livelihoods" in path or "network" in path else users["alice"])
    for name in ("q", "area", "isco", "country", "stage", "type", "page"):
        response = client.get(path, {name: value.value})
        not_rendered_raw(response, value)


def test_a_form_body_over_the_limit_is_refused_and_nothing_saved(world, users):
    client, url = client_for(users["alice"]), f"/cases/{world.case.code}/notes/"
    before = state()
    response = client.post(url, {"text": "x" * hostile.oversized()})
    assert response.status_code in (400, 413) and not changed(before), changed(before)


# --- Imports ----------------------------------------------------------------------------------------

LM_ROW = {
    "area": "TH-57",
    "isco": "72",
    "vacancies": "120",
    "demand_index": "55.5",
    "monthly_wage": "12000",
    "currency": "THB",
    "source": "Employment office",
    "as_of": "2026-06-30",
}
LM_KINDS = {"area": "text", "isco": "text", "currency": "text", "source": "text", "as_of": "date"} | {
    "vacancies": "number",
    "demand_index": "number",
    "monthly_wage": "number",
}


def csv_of(row: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(LM_ROW))
    writer.writeheader()
    writer.writerow(row)
    return buffer.getvalue().encode()


def clients_of(users) -> dict[str, Any]:
    """Cora's clients for the API and the pages, made before anything is counted (a client may
    make a token or a second factor)."""
    return {"api": api_client_for(users["cora"]), "page": client_for(users["cora"])}


def import_csv(clients: dict[str, Any], data: bytes, name: str = "figures.csv", via: str = "api") -> Any:
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    if via == "api":
        return clients["api"].post("/api/v1/labour-market/import/", {"file": upload}, format="multipart")
    return clients["page"].post("/livelihoods/labour-market/import/", {"file": upload})


def _import_refused(response: Any, via: str) -> bool:
    if via == "api":
        assert response.status_code in (200, 400, 413), response.content[:300]
        return response.status_code != 200
    assert response.status_code in (200, 302, 400, 413), response.content[:300]
    return response.status_code != 302 and has_errors(response.content.decode())


@pytest.mark.parametrize("via", ["api", "page"])
def test_the_csv_import_refuses_or_keeps_the_corpus_exactly(users, network, via):
    clients = clients_of(users)
    corpus = {"text": hostile.TEXT, "number": hostile.NUMBERS, "date": hostile.DATES}
    with rolled_back():
        assert not _import_refused(import_csv(clients, csv_of(LM_ROW), via=via), via), "the valid file is refused"
    for column, kind in LM_KINDS.items():
        for value in corpus[kind]:
            where = f"{via} {column}={value.name}"
            with rolled_back():
                before = state()
                response = import_csv(clients, csv_of(LM_ROW | {column: value.value}), via=via)
                not_rendered_raw(response, value)
                if _import_refused(response, via):
                    assert not changed(before), f"{where}: refused but saved" + f": {changed(before)}"
                    continue
                assert value.outcome != hostile.REFUSE, f"{where}: accepted"
                if kind == "text":
                    assert kept(value) == "exactly", f"{where}: not stored as sent"
                if via == "page":
                    not_rendered_raw(clients["page"].get("/livelihoods/labour-market/"), value)


@pytest.mark.parametrize("via", ["api", "page"])
def test_the_csv_import_refuses_bad_files_whole(users, network, via):
    clients = clients_of(users)
    good = csv_of(LM_ROW)
    bad_files = {
        "not utf-8": good.replace(b"Employment", b"Employ\xe9ment\xff"),
        "nul": good.replace(b"Employment", b"Employ\x00ment"),
        "over 5 MB": good + (b"TH-57,72,1,,1,THB,x,2026-06-30\n" * 180_000),
        "binary": bytes(range(256)) * 10,
        "deep quotes": b'"' * 10_000,
        "empty": b"",
    }
    for label, data in bad_files.items():
        with rolled_back():
            before = state()
            response = import_csv(clients, data, via=via)
            assert _import_refused(response, via), f"{via} {label}: accepted"
            assert not changed(before), f"{via} {label}: saved" + f": {changed(before)}"


@pytest.mark.parametrize("via", ["api", "page"])
def test_the_csv_import_ignores_hostile_file_names(users, network, via):
    clients = clients_of(users)
    for name in hostile.FILE_NAMES:
        with rolled_back():
            response = import_csv(clients, csv_of(LM_ROW), name=name, via=via)
            assert response.status_code < 500, (name, response.status_code)
            assert name not in response.content.decode(errors="replace") or not any(c in name for c in "<>\"'")
            assert not (pathlib.Path("/etc") / "passwd.csv").exists()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_photo_upload_refuses_what_is_no_photo_and_ignores_file_names(world, users, settings):
    client = client_for(users["alice"])
    url = f"/cases/{world.case.code}/photo/upload/"
    refused = {
        "script.png": b"<script>alert(1)</script>",
        "../../etc/passwd": b"root:x:0:0:root:/root:/bin/bash\n",
        "big.png": PNG + b"\x00" * settings.MAX_UPLOAD_BYTES,
        "empty.png": b"",
    }
    for name, data in refused.items():
        with rolled_back():
            before = state()
            response = client.post(url, {"photo": SimpleUploadedFile(name, data, content_type="image/png")})
            assert response.status_code in (200, 400, 413), (name, response.status_code)
            assert not changed(before), f"{name}: saved" + f": {changed(before)}"
            assert error_beside(response.content.decode(), "photo", "photo-form"), f"{name}: no error beside the field"
    for name in hostile.FILE_NAMES:
        with rolled_back():
            response = client.post(url, {"photo": SimpleUploadedFile(name, PNG, content_type="image/png")})
            assert response.status_code == 302, (name, response.status_code)
            page = client.get(response["Location"]).content.decode()
            assert kept(hostile.Hostile(name, name, mark=name)) == "no", f"{name}: the file's name was stored"
            assert "<img src=x onerror" not in page


# --- `reintegra match`: a cohort from a JSON file ---------------------------------------------------

COHORT = {
    "people": [{"id": "p1", "group": "woman"}, {"id": "p2", "group": "man"}],
    "options": [{"id": "o1", "capacity": 1, "cost": 100}],
    "scores": [{"person": "p1", "option": "o1", "score": 0.5}, {"person": "p2", "option": "o1", "score": 0.4}],
}


def _cohort_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(COHORT))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


MATCH_INPUTS: dict[str, bytes] = {
    "deep": hostile.deep_json(100_000).encode(),
    "not utf-8": json.dumps(COHORT).encode().replace(b'"p1"', b'"p\xff1"'),
    "NaN literal": json.dumps(COHORT).replace("0.5", "NaN").encode(),
    "Infinity literal": json.dumps(COHORT).replace("0.5", "Infinity").encode(),
    "1e999999": json.dumps(COHORT).replace("0.5", "1e999999").encode(),
    "capacity 10^20": json.dumps(_cohort_with(("options", 0, "capacity"), 10**20)).encode(),
    "cost 10^400": json.dumps(_cohort_with(("options", 0, "cost"), 10**400)).encode(),
    "score 10^400": json.dumps(COHORT).replace("0.5", "1" + "0" * 400).encode(),
    "5000 digits": json.dumps(COHORT).replace("0.5", "9" * 5000).encode(),
    "capacity -1": json.dumps(_cohort_with(("options", 0, "capacity"), -1)).encode(),
    "binary": bytes(range(256)),
    "nul id": json.dumps(_cohort_with(("people", 0, "id"), "p\x001")).encode(),
}


@pytest.mark.parametrize("label", list(MATCH_INPUTS))
def test_match_refuses_a_hostile_cohort_with_a_message_not_a_traceback(tmp_path, label):
    source, target = tmp_path / "cohort.json", tmp_path / "allocation.json"
    source.write_bytes(MATCH_INPUTS[label])
    try:
        call_command("match", "--input", str(source), "--output", str(target))
    except CommandError as error:
        assert str(error) and "Traceback" not in str(error)
        assert not target.exists()
    else:
        # Accepted only when every value is one the engine can hold: the allocation is written.
        assert label == "nul id", f"{label}: accepted"
        assert json.loads(target.read_text())["assignments"]


@pytest.mark.parametrize("value", [hostile.SCRIPT, hostile.TRAVERSAL, hostile.RTL_ZERO_WIDTH, hostile.THAI_FILIPINO])
def test_match_keeps_hostile_ids_as_text(tmp_path, value):
    source, target = tmp_path / "cohort.json", tmp_path / "allocation.json"
    data = json.loads(json.dumps(COHORT).replace('"p1"', json.dumps(value.value)))
    source.write_text(json.dumps(data), encoding="utf-8")
    call_command("match", "--input", str(source), "--output", str(target))
    result = json.loads(target.read_text(encoding="utf-8"))
    assert value.value in [a["person"] for a in result["assignments"]] + result["unassigned"]
