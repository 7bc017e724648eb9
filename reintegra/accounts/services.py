"""Writes to user accounts. Each is audited."""

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from reintegra.lib import clock

from .audit import audit_record
from .models import ApiToken, AuditEvent, Role, User

if TYPE_CHECKING:  # a user belongs to an agency (the foreign key names network.Agency, too)
    from reintegra.network.models import Agency


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    agency: "Agency | None",
    role: str,
    password: str | None = None,
    validate: bool = True,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    user = User(username=username, agency=agency, role=role, first_name=first_name, last_name=last_name, email=email)
    if password and validate:
        validate_password(password, user)
    user.set_password(password) if password else user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=user,
        categories=["account"],
        details={"agency": agency.slug if agency else None, "role": role},
    )
    return user


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str, validate: bool = True) -> None:
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        categories=["credentials"],
        details={"changed": ["password"]},
    )
    # Whoever held a key made with the old password holds nothing now.
    api_tokens_revoke_all(actor=actor, user=user, because=ApiToken.Ended.PASSWORD)


# Roles a supervisor may give. Network coordinators act across the whole network, so only an
# installation administrator appoints them. A supervisor decides what others asked for (closures,
# plans): a supervisor who could make a second supervisor account would approve their own work, so
# supervisors are appointed by an administrator (issue 12), each appointment audited and listed to
# the agency's other supervisors on their staff page.
SUPERVISOR_GRANTABLE_ROLES = (Role.CASEWORKER, Role.PROVIDER_STAFF, Role.ME_ANALYST)


def grantable_roles(actor: User) -> list[str]:
    return list(Role.values) if actor.is_superuser else [str(r) for r in SUPERVISOR_GRANTABLE_ROLES]


@transaction.atomic
def staff_create(
    *,
    actor: User,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    errors: dict[str, str] = {}
    if role == Role.SUPERVISOR and role not in grantable_roles(actor):
        errors["role"] = str(_("A supervisor account is created by an administrator, never by another supervisor."))
    elif role not in grantable_roles(actor):
        errors["role"] = str(_("You cannot give this role."))
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = str(_("This username is taken."))
    if errors:
        raise ValidationError(errors)
    try:
        return user_create(
            actor=actor,
            username=username,
            agency=actor.agency,
            role=role,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=email,
        )
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) if not hasattr(exc, "error_dict") else exc from None


@transaction.atomic
def staff_set_active(*, actor: User, member: User, active: bool) -> User:
    if member.pk == actor.pk and not active:
        raise ValidationError(str(_("You cannot deactivate your own account.")))
    member.is_active = active
    member.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=member,
        categories=["account"],
        details={"changed": ["is_active"], "is_active": active},
    )
    if not active:
        api_tokens_revoke_all(actor=actor, user=member, because=ApiToken.Ended.DEACTIVATED)
    return member


@transaction.atomic
def user_set_preferences(*, actor: User, user: User, language: str, calendar: str) -> User:
    """The user's own reading preferences: the language of their pages and the calendar their
    years are shown in (lib/dates.py). Each user sets only their own."""
    user.preferred_language = language
    user.calendar = calendar
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=["preferred_language", "calendar"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        categories=["account"],
        details={"changed": ["preferred_language", "calendar"], "language": language, "calendar": calendar},
    )
    return user


def session_end_record(*, user: User, quick_exit: bool) -> None:
    """Notes in the audit log that a user ended their session (through the quick exit or not)."""
    audit_record(
        actor=user,
        action=AuditEvent.Action.LOGOUT,
        obj=user,
        categories=["credentials"],
        details={"quick_exit": quick_exit},
    )


# --- API tokens (issue 12, finding 5). The key is shown once; only its SHA-256 is kept. A key is
# 32 random bytes, so a plain hash (no salt, no slow hash) is enough: there is nothing to guess.


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# How stale "last used" may get: a token used all day is written once a minute, not per request.
API_TOKEN_LAST_USED_EVERY = datetime.timedelta(minutes=1)


@transaction.atomic
def api_token_issue(*, user: User, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, and its key (shown to the caller once, never stored). Every token
    is issued here, so a rule on who may hold one (two-factor sign-in first) is added here."""
    if not user.is_active:
        raise ValidationError(str(_("This account is deactivated.")))
    key = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[:8],
        key_hash=api_token_hash(key),
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.API_TOKEN_DAYS),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor or user,
        action=AuditEvent.Action.CREATE,
        obj=token,
        categories=["credentials"],
        details={"user": user.pk, "name": token.name, "prefix": token.prefix, "expires_at": token.expires_at},
    )
    return token, key


def api_token_touch(*, token: ApiToken) -> None:
    """Notes that the token was used, at most once a minute (no audit record: a use is not a change)."""
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken, because: str = ApiToken.Ended.REVOKED) -> bool:
    """Ends one token; False if it had already ended (revoked before, or expired)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not token.is_usable_at(clock.now()):
        return False
    token.revoked_at = clock.now()
    token.revoked_by = actor
    token.ended_because = because
    token.save(update_fields=["revoked_at", "revoked_by", "ended_because"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=token,
        categories=["credentials"],
        details={"user": token.user_id, "prefix": token.prefix, "revoked": because},
    )
    return True


@transaction.atomic
def api_tokens_revoke_all(*, actor: User | None, user: User, because: str) -> int:
    """Ends every live token of `user` (a password change, a deactivation, "revoke all")."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=clock.now())
    return sum(api_token_revoke(actor=actor, token=token, because=because) for token in live)
