"""Reads of user accounts. Staff names and e-mails are personal data: every read is audited."""

import datetime

from django.db.models import QuerySet

from reintegra.access import AnyUser, api_token_list_for_user, require_member, staff_list_for_user
from reintegra.lib import clock

from .models import ApiToken, AuditEvent, Role, User
from .reads import note_read


def staff_list(*, user: AnyUser) -> QuerySet[User]:
    staff = staff_list_for_user(user).order_by("-is_active", "last_name", "first_name", "username")
    reader = require_member(user)
    note_read(
        actor=reader,
        object_type="accounts.user",
        object_id=f"agency:{reader.agency_id}" if not reader.is_superuser else "all",
        categories=["identity", "contact", "account"],
        details={"count": staff.count()},
    )
    return staff


SUPERVISOR_CHANGES_SHOWN_FOR = datetime.timedelta(days=90)


def supervisor_account_changes(*, user: AnyUser) -> list[dict[str, object]]:
    """What was done to the agency's supervisor accounts in the last 90 days (created, deactivated,
    reactivated), newest first, for the agency's supervisors to see: nobody appoints a second
    supervisor unnoticed. Shown with the staff list, whose read is audited."""
    reader = require_member(user)
    accounts = {str(u.pk): u for u in staff_list_for_user(reader).filter(role=Role.SUPERVISOR)}
    events = AuditEvent.objects.filter(
        object_type="accounts.user",
        object_id__in=list(accounts),
        action__in=[AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE],
        at__gte=clock.now() - SUPERVISOR_CHANGES_SHOWN_FOR,
    ).order_by("-seq")
    changes = []
    for event in events:
        changed = set(event.details.get("changed", []))
        if event.action == AuditEvent.Action.CREATE:
            what = "created"
        elif "is_active" in changed:
            what = "reactivated" if event.details.get("is_active") else "deactivated"
        elif changed & {"role", "agency"}:
            what = "role"
        else:  # a password or the reading preferences are the person's own business
            continue
        changes.append({"at": event.at, "by": event.actor_username, "member": accounts[event.object_id], "what": what})
    return changes[:20]


def api_token_list(*, user: AnyUser, owner: User) -> QuerySet[ApiToken]:
    """The live API tokens of `owner`, for themselves or for a supervisor of theirs (that read of
    another's account is audited)."""
    tokens = api_token_list_for_user(user, owner=owner)
    if owner.pk != user.pk:
        note_read(
            actor=require_member(user),
            object_type="accounts.user",
            object_id=str(owner.pk),
            categories=["credentials"],
            details={"api_tokens": tokens.count()},
        )
    return tokens
