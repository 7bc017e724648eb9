"""Lock-out after repeated failed logins, shared by the login page and the token endpoint."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit import _request_ip, audit_record
from .models import AuditEvent, LoginFailure, User


def _window_start():  # type: ignore[no-untyped-def]
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_is_locked(username: str) -> bool:
    recent = LoginFailure.objects.filter(username=username.strip().lower(), at__gte=_window_start())
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


@transaction.atomic
def login_failure_record(*, username: str) -> None:
    username = username.strip().lower()[:150]
    LoginFailure.objects.create(username=username, ip_address=_request_ip.get(), at=timezone.now())
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
