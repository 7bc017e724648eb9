"""Lock-out after repeated failed logins, shared by the login page and the token endpoint."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device

from .audit import _request_ip, audit_record
from .models import AuditEvent, LoginFailure, LoginGate, User


def _window_start():  # type: ignore[no-untyped-def]
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_is_locked(username: str) -> bool:
    recent = LoginFailure.objects.filter(username=_normal(username), at__gte=_window_start())
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


def _normal(username: str) -> str:
    return username.strip().lower()[:150]


def login_attempt_reserve(username: str) -> int | None:
    """Reserves one password check for `username`, or None when the username is locked.

    The reservation is a failure record written before the password is checked (a right password
    deletes it, see `login_success_record` and `login_attempt_release`). Counting and writing happen
    while the username's gate row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's immediate
    transactions take the database's write lock), so however many attempts arrive at once, no more
    than LOGIN_FAILURE_LIMIT passwords are ever checked in the window.
    """
    username = _normal(username)
    with transaction.atomic():
        LoginGate.objects.select_for_update().get_or_create(username=username)
        if (
            LoginFailure.objects.filter(username=username, at__gte=_window_start()).count()
            >= settings.LOGIN_FAILURE_LIMIT
        ):
            return None
        return LoginFailure.objects.create(username=username, ip_address=_request_ip.get(), at=timezone.now()).pk


def login_attempt_release(reservation: int) -> None:
    """A reserved check that found the right password (where that is no login): it counts for nothing."""
    LoginFailure.objects.filter(pk=reservation).delete()


def login_attempt_failed_record(*, username: str, two_factor: bool = False) -> None:
    """The reserved check found a wrong password (or, with `two_factor`, a wrong sign-in code): its
    reservation stays as the failure; audited."""
    username = _normal(username)
    details: dict[str, object] = {"username": username, "locked": login_is_locked(username)}
    if two_factor:
        details["two_factor"] = "wrong_code"
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user",
        categories=["credentials"],
        details=details,
    )


def login_refused_while_locked_record(*, username: str) -> None:
    """An attempt on a locked username: audited, but it does not extend the lock."""
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user",
        categories=["credentials"],
        details={"username": username.strip().lower()[:150], "locked": True},
    )


@transaction.atomic
def login_success_record(*, user: User) -> None:
    # With two-factor sign-in on, the right password is only half a sign-in: the count goes on
    # until a right code (two_factor.py), so knowing the password never resets the guesses at codes.
    if not user_has_device(user):
        login_failures_clear(user=user)
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, obj=user, categories=["credentials"])


def login_failures_clear(*, user: User) -> None:
    LoginFailure.objects.filter(username=user.get_username().lower()).delete()
