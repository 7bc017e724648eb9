import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings

from reintegra.accounts.models import AuditEvent, LoginFailure

from ..conftest import make_user


@pytest.fixture
def malee(network):
    return make_user("malee", network.alpha, "caseworker", password="a-long-secret-pass")


def login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(malee):
    assert identify_hasher(malee.password).algorithm == "argon2"


def test_a_user_logs_in_and_the_login_is_audited(malee):
    client = Client()
    response = login(client, "malee", "a-long-secret-pass")
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="login", actor=malee).exists()


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_LOCKOUT_MINUTES=15)
def test_repeated_failures_lock_the_account_even_for_the_right_password(malee):
    client = Client()
    for _ in range(3):
        response = login(client, "malee", "wrong")
        assert response.status_code == 200
    assert "locked" in response.content.decode()
    response = login(client, "malee", "a-long-secret-pass")
    assert response.status_code == 200
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed").count() >= 4


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_lock_does_not_depend_on_the_case_of_the_username(malee):
    for name in ("MALEE", "Malee", "malee"):
        login(Client(), name, "wrong")
    assert "locked" in login(Client(), "malee", "a-long-secret-pass").content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_lock_ends_after_the_window(malee):
    for _ in range(3):
        login(Client(), "malee", "wrong")
    from datetime import timedelta

    from django.utils import timezone

    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert login(Client(), "malee", "a-long-secret-pass").status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_success_before_the_limit_clears_the_failures(malee):
    login(Client(), "malee", "wrong")
    login(Client(), "malee", "wrong")
    assert login(Client(), "malee", "a-long-secret-pass").status_code == 302
    assert not LoginFailure.objects.filter(username="malee").exists()


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_the_token_endpoint_shares_the_lock(malee, client):
    for _ in range(2):
        response = client.post("/api/v1/auth/token/", {"username": "malee", "password": "nope"})
        assert response.status_code == 400
    response = client.post("/api/v1/auth/token/", {"username": "malee", "password": "a-long-secret-pass"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "locked"


def test_the_token_endpoint_gives_a_token_that_authenticates(malee, client):
    response = client.post(
        "/api/v1/auth/token/", {"username": "malee", "password": "a-long-secret-pass"}, content_type="application/json"
    )
    token = response.json()["token"]
    assert client.get("/api/v1/agencies/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert client.get("/api/v1/agencies/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_pages_carry_a_strict_csp_and_security_headers(client, db):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.content.decode()  # no inline script anywhere


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(malee):
    client = Client()
    client.get("/login/")
    response = login(client, "malee", "a-long-secret-pass")
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["secure"] and session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_logging_in_requires_the_csrf_token(malee):
    client = Client(enforce_csrf_checks=True)
    assert login(client, "malee", "a-long-secret-pass").status_code == 403
