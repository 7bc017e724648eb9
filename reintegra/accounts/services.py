"""Writes to user accounts. Each is audited."""

from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import AuditEvent, Role, User

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
