"""Writes to user accounts. Each is audited."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from reintegra.network.models import Agency

from .audit import audit_record
from .models import AuditEvent, User


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    agency: Agency | None,
    role: str,
    password: str | None = None,
    validate: bool = True,
    **fields: Any,
) -> User:
    user = User(username=username, agency=agency, role=role, **fields)
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
