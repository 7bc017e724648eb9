"""The trivial endpoint (issue 15): answers from the server alone, with no session and no query."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reintegra.accounts.models import AuditEvent

from .conftest import client_for


def test_healthz_answers_without_a_query(db):
    with CaptureQueriesContext(connection) as captured:
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert len(captured) == 0
    assert "sessionid" not in response.cookies  # no session is started for it


def test_healthz_answers_head_and_refuses_a_post(db):
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        assert client.head("/healthz").status_code == 200
        assert client.post("/healthz").status_code == 405
    assert len(captured) == 0


def test_healthz_of_a_signed_in_user_writes_no_audit_record(users):
    client = client_for(users["alice"])
    before = AuditEvent.objects.count()
    assert client.get("/healthz").status_code == 200
    assert AuditEvent.objects.count() == before
