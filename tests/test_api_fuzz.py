"""API fuzzing (issue 12, "prove it stays closed"): Schemathesis generates requests for every operation
of the API from the OpenAPI schema the application itself publishes, sends them in-process as a
signed-in caseworker or supervisor of a demo agency, and checks each answer: never a 5xx, and a status
code, a content type and a body that the schema declares. Requests the schema does not allow (negative
mode) must not answer a 5xx either. Another test keeps the schema free of generator warnings (an
undocumented field reads as "string" to every client).

Bounds: FUZZ_EXAMPLES generated requests per operation (default 25) from the fixed seed FUZZ_SEED, no
deadline. `FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/test_api_fuzz.py` fuzzes longer; another
FUZZ_SEED explores other requests (docs/security.md, "API fuzzing").

Data: a small demo (20 cases, every state of a referral, plans, enrolments) loaded once per process
and rolled back at its end; each generated request runs in a savepoint rolled back after it, so the
examples do not depend on each other and a failing one replays alone.
"""

import io
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.exceptions import PermissionDenied
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.http import Http404
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reintegra.accounts.models import User
from reintegra.api import exception_handler
from reintegra.cases.models import Case, Consent, Task
from reintegra.livelihoods.models import Enrolment, IncomeFollowUp, LabourMarketDemand, Opportunity
from reintegra.network.models import Agency, Service
from reintegra.plans.models import Action, Assessment, Goal
from reintegra.referrals.models import Referral

from .conftest import api_client_for

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261130"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The demo agency whose staff sign in: a Thai provincial office with cases in every state.
AGENCY = "th-msdhs-chiangrai"
PERSONAS = ("malee", "somchai")  # its caseworker and its supervisor


def generated_schema() -> dict[str, Any]:
    """The schema as /api/v1/schema/ serves it (rendered to JSON and read back, so lazy texts are text)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


SCHEMA = schemathesis.openapi.from_dict(generated_schema())
SCHEMA.app = WSGIHandler()
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}


def test_the_schema_is_generated_without_warnings_or_errors(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)  # raises on a warning
    assert "Warning" not in capsys.readouterr().err


def test_the_fuzz_covers_every_operation_of_the_api():
    """Each route of the API is an operation of the schema (none excluded from it), so it is fuzzed."""
    paths = {label.split(" ", 1)[1] for label in OPERATIONS}
    assert len(OPERATIONS) >= 70
    for prefix in ("cases", "referrals", "plans", "enrolments", "follow-ups", "auth/token", "opportunities"):
        assert any(p.startswith(f"/api/v1/{prefix}/") for p in paths), prefix


def test_every_error_an_operation_declares_has_the_error_shape():
    schema = generated_schema()
    assert "Error" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, f"{method} {path}"
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                assert "404" in codes, f"{method} {path}"
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_an_api_address_that_matches_no_route_answers_in_the_error_shape(client):
    """Found by the fuzz: `/api/v1/auth/tokens/-3029/` (an integer the schema allows, that the route's
    <int:…> does not) answered the HTML 404 page."""
    for address in ("/api/v1/opportunities/-1/", "/api/v1/enrolments/null,null/", "/api/v1/no-such-thing/"):
        response = client.get(address)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    page = client.get("/cases/no/such/page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_django_404_or_403_in_the_api_keeps_its_code():
    for exc, status, code in ((Http404("No case."), 404, "not_found"), (PermissionDenied(), 403, "permission_denied")):
        response = exception_handler(exc, {})
        assert response is not None
        assert (response.status_code, response.data["error"]["code"]) == (status, code)


# --- The data the requests meet ----------------------------------------------------------------------


# Path parameters (and a `case` in the query) are half the time a record that exists, mostly the
# signed-in agency's own, so the request reaches the view's real work; the other half whatever the
# schema allows, so the refusals are fuzzed too. Records in the order they were made: case codes are
# random, but the same seed picks the same record.
def _own_cases():
    return Case.objects.filter(agency__slug=AGENCY)


_KNOWN = {
    ("agencies", "slug"): lambda: Agency.objects.filter(
        Q(slug=AGENCY) | Q(pk__in=Referral.objects.filter(from_agency__slug=AGENCY).values("to_agency"))
    ).values_list("slug", flat=True),
    ("assessments", "id"): lambda: Assessment.objects.filter(case__agency__slug=AGENCY).values_list("pk", flat=True),
    ("cases", "code"): lambda: _own_cases().values_list("code", flat=True),
    ("consents", "id"): lambda: Consent.objects.filter(case__agency__slug=AGENCY).values_list("pk", flat=True),
    ("enrolments", "id"): lambda: Enrolment.objects.values_list("pk", flat=True),
    ("follow-ups", "id"): lambda: IncomeFollowUp.objects.values_list("pk", flat=True),
    ("labour-market", "id"): lambda: LabourMarketDemand.objects.values_list("pk", flat=True),
    ("opportunities", "id"): lambda: Opportunity.objects.values_list("pk", flat=True),
    ("plans", "code"): lambda: _own_cases().filter(plan__isnull=False).values_list("code", flat=True),
    ("plans", "goal_id"): lambda: Goal.objects.filter(plan__case__agency__slug=AGENCY).values_list("pk", flat=True),
    ("plans", "action_id"): lambda: Action.objects.filter(goal__plan__case__agency__slug=AGENCY).values_list(
        "pk", flat=True
    ),
    ("referrals", "id"): lambda: Referral.objects.filter(
        Q(from_agency__slug=AGENCY) | Q(to_agency__slug=AGENCY)
    ).values_list("pk", flat=True),
    ("services", "id"): lambda: Service.objects.filter(agency__slug=AGENCY).values_list("pk", flat=True),
    ("skills", "case"): lambda: _own_cases().values_list("code", flat=True),
    ("tasks", "id"): lambda: Task.objects.filter(case__agency__slug=AGENCY).values_list("pk", flat=True),
}


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The demo with 20 cases, loaded once for this module's tests and rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "--cases", "20", "--password", "fuzz-only-password", stdout=io.StringIO())
        users = {u.username: u for u in User.objects.filter(username__in=PERSONAS, agency__slug=AGENCY)}
        assert set(users) == set(PERSONAS)
        known = {key: [str(v) for v in values().order_by("pk")] for key, values in _KNOWN.items()}
        known["case"] = known[("cases", "code")]
        assert all(known.values()), [key for key, values in known.items() if not values]
        headers = {
            name: {"Authorization": api_client_for(user)._credentials["HTTP_AUTHORIZATION"]}  # type: ignore[attr-defined]
            for name, user in users.items()
        }
        yield {"headers": headers, "known": known}
        transaction.set_rollback(True)


@pytest.fixture
def in_process_requests():
    """Requests handled in the test's own transaction: Django's test client keeps the connection open
    between requests the same way (a request's end would otherwise close it mid-transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _resource(path: str) -> str:
    return re.sub(r"^/api/v1/", "", path).split("/", 1)[0]


# --- The fuzz ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_answers_as_its_schema_says(label, demo_world, db, in_process_requests):
    """Requests the schema allows: never a 5xx, and every answer (2xx or error) as the schema says."""
    fuzz(OPERATIONS[label], demo_world, GenerationMode.POSITIVE, CHECKS)


# Operations with something to make invalid: a path or query parameter, or a body.
NEGATABLE = sorted(label for label, op in OPERATIONS.items() if len(op.path_parameters) + len(op.query) + len(op.body))


@pytest.mark.parametrize("label", NEGATABLE)
def test_operation_refuses_what_its_schema_does_not_allow_without_a_server_error(
    label, demo_world, db, in_process_requests
):
    """Requests the schema does not allow (a wrong type, a missing field, a value out of range): a
    4xx, never a 5xx (which 4xx is not checked: a wrong media type can answer 415, for one)."""
    fuzz(OPERATIONS[label], demo_world, GenerationMode.NEGATIVE, [not_a_server_error])


def fuzz(operation: Any, world: dict[str, Any], mode: GenerationMode, checks: list[Any]) -> None:
    resource = _resource(operation.path)
    known = world["known"]

    @seed(FUZZ_SEED)
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(generation_mode=mode), label="case")
        for name in list(case.path_parameters or {}):
            values = known.get((resource, name))
            if values and data.draw(st.booleans(), label=f"an existing {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(values), label=name)
        if case.query and "case" in case.query and data.draw(st.booleans(), label="an existing case"):
            case.query["case"] = data.draw(st.sampled_from(known["case"]), label="case")
        if case.query and "page" in case.query and data.draw(st.booleans(), label="the first page"):
            del case.query["page"]
        persona = data.draw(st.sampled_from(PERSONAS), label="persona")
        with transaction.atomic():
            try:
                case.call_and_validate(headers=world["headers"][persona], checks=checks)
            finally:
                transaction.set_rollback(True)

    run()
