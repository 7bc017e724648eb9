"""Reads of user accounts. Staff names and e-mails are personal data: every read is audited."""

from django.db.models import QuerySet

from reintegra.access import AnyUser, require_member, staff_list_for_user

from .audit import audit_record
from .models import AuditEvent, User


def staff_list(*, user: AnyUser) -> QuerySet[User]:
    staff = staff_list_for_user(user).order_by("-is_active", "last_name", "first_name", "username")
    reader = require_member(user)
    audit_record(
        actor=reader,
        action=AuditEvent.Action.READ,
        object_type="accounts.user",
        object_id=f"agency:{reader.agency_id}" if not reader.is_superuser else "all",
        categories=["identity", "contact", "account"],
        details={"count": staff.count()},
    )
    return staff
