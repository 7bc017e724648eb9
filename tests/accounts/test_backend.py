"""The login backend itself (reintegra/accounts/backends.py), the lock-out records (lockout.py) and the
client address the audit context takes from each request (reintegra/middleware.py).

The login form and the token endpoint check the lock before they call the backend, so the backend's
own refusal is reached here through `authenticate()`, as any other caller would reach it.
"""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings

from reintegra.accounts.backends import LockoutModelBackend
from reintegra.accounts.models import AuditEvent, LoginFailure

from ..conftest import make_user

PASSWORD = "a-long-secret-pass"
# What settings.py sets when BEHIND_PROXY is on; client_ip trusts X-Forwarded-For only then.
BEHIND_PROXY = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"), "REINTEGRA_TRUSTED_PROXIES": 1}


@pytest.fixture
def malee(network):
    return make_user("malee", network.alpha, "caseworker", password=PASSWORD)


def login(client: Client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def failed_logins():
    return list(AuditEvent.objects.filter(action="login_failed").order_by("seq").values_list("details", flat=True))


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_the_backend_refuses_a_locked_username_even_with_the_right_password(malee):
    backend = LockoutModelBackend()
    request = RequestFactory().post("/login/")
    assert backend.authenticate(request, username="malee", password="wrong") is None
    assert backend.authenticate(request, username="MALEE", password="wrong") is None
    with pytest.raises(PermissionDenied):
        backend.authenticate(request, username="Malee", password=PASSWORD)
    # the refusal is audited but does not extend the lock, and no login is recorded
    assert LoginFailure.objects.filter(username="malee").count() == 2
    assert failed_logins()[-1] == {"username": "malee", "locked": True}
    assert not AuditEvent.objects.filter(action="login", actor=malee).exists()


@override_settings(LOGIN_FAILURE_LIMIT=1)
def test_djangos_authenticate_stops_at_the_backends_refusal(malee):
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="malee", password="wrong") is None
    assert authenticate(request, username="malee", password=PASSWORD) is None
    assert failed_logins() == [{"username": "malee", "locked": True}, {"username": "malee", "locked": True}]


def test_the_backend_lets_a_right_password_in_and_clears_earlier_failures(malee):
    backend = LockoutModelBackend()
    assert backend.authenticate(None, username="malee", password="wrong") is None
    assert backend.authenticate(None, username="Malee", password=PASSWORD) == malee
    assert not LoginFailure.objects.exists()
    assert AuditEvent.objects.filter(action="login", actor=malee).count() == 1


def test_the_backend_ignores_a_request_without_username_or_password(malee):
    backend = LockoutModelBackend()
    assert backend.authenticate(None, username=None, password=PASSWORD) is None
    assert backend.authenticate(None, username="malee", password=None) is None
    assert not LoginFailure.objects.exists() and failed_logins() == []


def test_an_inactive_account_is_refused_with_the_right_password_and_the_failure_is_counted(malee):
    malee.is_active = False
    malee.save(update_fields=["is_active"])
    assert LockoutModelBackend().authenticate(None, username="malee", password=PASSWORD) is None
    assert LoginFailure.objects.filter(username="malee").count() == 1


def test_an_unknown_username_fails_like_a_wrong_password_and_is_counted_towards_a_lock(malee):
    unknown = login(Client(), "nobody", "whatever-password")
    wrong = login(Client(), "malee", "whatever-password")
    assert unknown.status_code == wrong.status_code == 200
    # the same message for both: the page does not tell which usernames exist
    refusal = unknown.context["form"].non_field_errors()
    assert refusal and refusal == wrong.context["form"].non_field_errors()
    assert LoginFailure.objects.filter(username="nobody").count() == 1
    assert {"username": "nobody", "locked": False} in failed_logins()


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_an_unknown_username_is_locked_out_like_a_real_one(db):
    for _ in range(3):
        login(Client(), "Nobody", "whatever-password")
    assert failed_logins()[-1] == {"username": "nobody", "locked": True}
    assert "locked" in login(Client(), "nobody", "whatever-password").content.decode()


def test_without_a_proxy_the_audit_keeps_the_connecting_address_and_ignores_x_forwarded_for(malee):
    login(Client(), "malee", "wrong", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.7")
    login(Client(), "malee", PASSWORD, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert LoginFailure.objects.count() == 0  # cleared by the success
    events = AuditEvent.objects.filter(action__in=["login_failed", "login"]).order_by("seq")
    assert [(e.action, e.ip_address) for e in events] == [("login_failed", "192.0.2.10"), ("login", "192.0.2.10")]


@override_settings(**BEHIND_PROXY)
def test_behind_a_proxy_the_audit_and_the_lock_out_take_the_address_from_x_forwarded_for(malee):
    login(Client(), "malee", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert LoginFailure.objects.get().ip_address == "198.51.100.7"
    login(Client(), "malee", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=" 203.0.113.9 ")
    event = AuditEvent.objects.filter(action="login", actor=malee).get()
    assert event.ip_address == "203.0.113.9"


@override_settings(**BEHIND_PROXY)
def test_behind_a_proxy_a_request_without_x_forwarded_for_keeps_the_connecting_address(malee):
    login(Client(), "malee", PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert AuditEvent.objects.filter(action="login", actor=malee).get().ip_address == "10.0.0.2"


@override_settings(**BEHIND_PROXY)
def test_behind_a_proxy_a_forged_first_x_forwarded_for_entry_is_not_taken_for_the_client(malee):
    # The client sends "192.0.2.66"; the proxy appends the address it saw.
    login(Client(), "malee", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.7")
    assert LoginFailure.objects.get().ip_address == "198.51.100.7"
