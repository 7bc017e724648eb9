"""Lock-out after repeated failed logins, shared by the login page and the token endpoint."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

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


def login_attempt_failed_record(*, username: str) -> None:
    """The reserved check found a wrong password: its reservation stays as the failure; audited."""
    username = _normal(username)
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user",
        categories=["credentials"],
        details={"username": username, "locked": login_is_locked(username)},
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
    LoginFailure.objects.filter(username=user.get_username().lower()).delete()
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, obj=user, categories=["credentials"])
