"""The client address the audit log and the lock-out keep (reintegra/middleware.py, client_ip):
with N trusted proxies the Nth X-Forwarded-For entry from the right, only if it is a valid address,
else the connecting address; with none, the header is ignored (issue 12, finding 11)."""

import pytest
from django.test import Client, RequestFactory, override_settings

from reintegra.accounts.models import AuditEvent, LoginFailure
from reintegra.middleware import client_ip

from ..conftest import make_user


def ip(remote: str = "10.0.0.2", forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


@override_settings(REINTEGRA_TRUSTED_PROXIES=0)
def test_with_no_trusted_proxy_x_forwarded_for_is_ignored():
    assert ip(forwarded="198.51.100.7") == "10.0.0.2"


@override_settings(REINTEGRA_TRUSTED_PROXIES=2)
def test_with_two_proxies_the_client_is_the_second_entry_from_the_right():
    # the client forged "192.0.2.66"; the outer proxy appended the client, the inner one the outer proxy
    assert ip(forwarded="192.0.2.66, 198.51.100.7, 10.0.0.1") == "198.51.100.7"
    # fewer entries than proxies: the request did not come through the chain, its own address stands
    assert ip(forwarded="198.51.100.7") == "10.0.0.2"


@override_settings(REINTEGRA_TRUSTED_PROXIES=1)
@pytest.mark.parametrize(
    "forwarded",
    ["unknown", "<script>alert(1)</script>", "198.51.100.7.1", "999.1.1.1", "fe80::1%eth0", "", " , "],
)
def test_an_entry_that_is_not_an_address_falls_back_to_the_connecting_address(forwarded):
    assert ip(forwarded=f"198.51.100.7, {forwarded}") == "10.0.0.2"


@override_settings(REINTEGRA_TRUSTED_PROXIES=1)
@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.7:5555", "198.51.100.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("  203.0.113.9 ", "203.0.113.9"),
    ],
)
def test_addresses_are_kept_in_their_normal_form(forwarded, expected):
    assert ip(forwarded=forwarded) == expected


def test_a_connecting_address_that_is_not_one_is_kept_as_none():
    assert ip(remote="") is None
    assert ip(remote="unix:/run/reintegra.sock") is None


@override_settings(REINTEGRA_TRUSTED_PROXIES=1, LOGIN_FAILURE_LIMIT=5)
def test_garbage_in_x_forwarded_for_never_reaches_the_audit_log_or_the_lock_out(network):
    make_user("malee", network.alpha, "caseworker", password="a-long-secret-pass")
    Client().post(
        "/login/",
        {"username": "malee", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7, not-an-address",
    )
    assert LoginFailure.objects.get().ip_address == "10.0.0.2"
    assert AuditEvent.objects.get(action="login_failed").ip_address == "10.0.0.2"
