"""Reads of cases. Every read of identifying data (identity, contact) is audited, with the
categories the reader was shown."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from reintegra.access import AnyUser, CaseAccess, case_list_for_user, require_member
from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib import crypto

from .choices import IDENTIFYING_CATEGORIES, Stage
from .models import Case, CaseEvent, Task


def audit_case_read(*, user: User, access: CaseAccess, shown: set[str], via: str) -> None:
    categories = sorted(access.categories & shown)
    audit_record(
        actor=user,
        action=AuditEvent.Action.READ,
        obj=access.case,
        categories=categories,
        details={"code": access.case.code, "via": via, "own": access.own},
    )


def case_read(*, user: AnyUser, access: CaseAccess, via: str) -> CaseAccess:
    """Logs the read of the case record as shown to this user (only the categories they may see)."""
    audit_case_read(user=require_member(user), access=access, shown=set(access.categories), via=via)
    return access


@dataclass
class CaseFilters:
    q: str = ""
    stage: str = ""
    mine: bool = False
    referred: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def case_list(*, user: AnyUser, filters: CaseFilters) -> QuerySet[Case]:
    """Cases by code, stage and assignment. Lists show codes and stages, never names."""
    cases = case_list_for_user(user).select_related("agency", "caseworker", "return_journey")
    member = require_member(user)
    if filters.q:
        cases = cases.filter(code__icontains=filters.q.strip())
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    else:
        cases = cases.exclude(stage=Stage.CLOSED)
    if filters.mine:
        cases = cases.filter(caseworker=member)
    if filters.referred:
        cases = cases.exclude(agency=member.agency)
    return cases.order_by("-opened_at")


def case_search_by_identity(*, user: AnyUser, name: str = "", phone: str = "") -> QuerySet[Case]:
    """Exact search through the blind index, within the cases the user may see in full."""
    member = require_member(user)
    cases = case_list_for_user(user).filter(agency=member.agency)
    query = Q()
    if name.strip():
        query |= Q(returnee__name_index=crypto.blind_index(crypto.name_key(name), kind="name"))
    key = crypto.phone_key(phone)
    if key:
        query |= Q(returnee__phone_index__key=crypto.blind_index(key, kind="phone"))
    if not query:
        return Case.objects.none()
    found = cases.filter(query).distinct()
    audit_record(
        actor=member,
        action=AuditEvent.Action.READ,
        object_type="cases.case",
        object_id="search",
        categories=["identity"] if name.strip() else ["contact"],
        details={"results": found.count()},
    )
    return found


def case_timeline(*, access: CaseAccess) -> list[CaseEvent]:
    """Every stage change, referral, note, task and follow-up in time order, as far as the reader
    may see: the owning agency sees all; a receiving agency sees its own lines, the referral lines
    and the lines of the categories its referral shares."""
    events = access.case.events.select_related("agency", "actor")
    if not access.own:
        agency_id = access.viewer_agency_id
        events = events.filter(
            Q(agency_id=agency_id)
            | Q(kind=CaseEvent.Kind.REFERRAL)
            | Q(kind=CaseEvent.Kind.STAGE)
            | Q(category__in=access.categories)
            | Q(kind=CaseEvent.Kind.OPENED)
        ).exclude(Q(kind=CaseEvent.Kind.NOTE) & ~Q(agency_id=agency_id) & ~Q(category__in=access.categories))
    return list(events.order_by("at", "pk"))


def shows_identifying(access: CaseAccess) -> bool:
    return bool(access.categories & IDENTIFYING_CATEGORIES)


def overdue_tasks(*, user: AnyUser, agency_wide: bool = False) -> QuerySet[Task]:
    member = require_member(user)
    tasks = Task.objects.filter(done_at__isnull=True, due_on__lt=timezone.localdate(), agency=member.agency)
    if not agency_wide:
        tasks = tasks.filter(assignee=member)
    return tasks.select_related("case", "assignee").order_by("due_on")
