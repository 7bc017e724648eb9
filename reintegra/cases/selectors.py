"""Reads of cases. Every read of identifying data (identity, contact) is audited, with the
categories the reader was shown."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from reintegra.access import (
    AnyUser,
    CaseAccess,
    case_list_for_user,
    case_parts_for_user,
    require_member,
    task_list_for_user,
)
from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.accounts.reads import note_read
from reintegra.lib import clock, crypto
from reintegra.lib.fields import unread
from reintegra.lib.lists import first_and_count

from .choices import IDENTIFYING_CATEGORIES, Stage
from .listing import CaseListing
from .models import CASE_TEXTS, Case, CaseEvent, Returnee, Task


def audit_case_read(*, user: User, access: CaseAccess, shown: set[str], via: str) -> None:
    categories = sorted(access.categories & shown)
    note_read(
        actor=user,
        obj=access.case,
        categories=categories,
        details={"code": access.case.code, "via": via, "own": access.own},
    )


def case_read(*, user: AnyUser, access: CaseAccess, via: str, masked: bool = False) -> CaseAccess:
    """Logs the read of the case record as shown to this user (only the categories they may see;
    `masked`: without the identifying ones, which a page shows only when asked, see case_reveal)."""
    shown = set(access.categories) - (IDENTIFYING_CATEGORIES if masked else set())
    audit_case_read(user=require_member(user), access=access, shown=shown, via=via)
    return access


def case_reveal(*, user: AnyUser, access: CaseAccess, shown: set[str], via: str) -> None:
    """Logs that the user asked to see identifying details of the case: one `reveal` record naming
    every category the answer shows (as far as the user may see it)."""
    note_read(
        actor=require_member(user),
        action=AuditEvent.Action.REVEAL,
        obj=access.case,
        categories=sorted(access.categories & shown),
        details={"code": access.case.code, "via": via, "own": access.own},
    )


@dataclass
class CaseFilters:
    q: str = ""
    stage: str = ""
    mine: bool = False
    referred: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def case_list(*, user: AnyUser, filters: CaseFilters, at_most: int | None = None) -> CaseListing:
    """Cases by code, stage and assignment, newest first (the newest `at_most`, if given). Lists show
    codes and stages, never names."""
    member = require_member(user)
    own, referred = case_parts_for_user(user)
    parts = [own, referred] if not filters.referred else [referred]
    return CaseListing(*(_filtered(part, filters, member) for part in parts), at_most=at_most)


def _filtered(cases: QuerySet[Case], filters: CaseFilters, member: User) -> QuerySet[Case]:
    if filters.q:
        cases = cases.filter(code__icontains=filters.q.strip())
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    else:
        cases = cases.exclude(stage=Stage.CLOSED)
    if filters.mine:
        cases = cases.filter(caseworker=member)
    return cases


# A search names at most this many words of a name; a longer query is not a person's name.
MAX_NAME_WORDS = 6


def _has_words(searched: list[str], words: list[str]) -> bool:
    """Every searched word is a word of the name: a short one whole, a longer one as the start of
    a word (decisions/0017)."""
    return all(any(w == s if len(s) < crypto.NAME_PREFIX_LENGTH else w.startswith(s) for w in words) for s in searched)


def case_search_by_identity(*, user: AnyUser, name: str = "", phone: str = "") -> QuerySet[Case]:
    """Cases of the user's own agency whose returnee goes by every word of `name` (a word, or its
    first four letters or more), or has the phone number `phone`. The name-word index narrows the
    candidates without any plaintext in the database; their names are then decrypted here to
    confirm the words. Every search is audited, with how many cases it found."""
    member = require_member(user)
    cases = case_list_for_user(user).filter(agency=member.agency)
    searched = crypto.name_words(name)[:MAX_NAME_WORDS]
    key = crypto.phone_key(phone)
    if not searched and not key:
        return Case.objects.none()
    found: set[int] = set()
    if searched:
        candidates = cases
        for word in searched:  # one join per word: every word must be there
            candidates = candidates.filter(returnee__name_words__key=crypto.name_word_key(word))
        rows = set(candidates.values_list("pk", "returnee_id"))
        names = {
            r.pk: crypto.name_words(r.given_name, r.family_name, r.other_names)
            for r in Returnee.objects.filter(pk__in={returnee for _, returnee in rows}).only(
                "given_name", "family_name", "other_names"
            )
        }
        found |= {pk for pk, returnee in rows if _has_words(searched, names[returnee])}
    if key:
        found |= set(
            cases.filter(returnee__phone_index__key=crypto.blind_index(key, kind="phone")).values_list("pk", flat=True)
        )
    result = cases.filter(pk__in=found)
    # Written at once, whatever becomes of the answer: a search is audited as it is made.
    audit_record(
        actor=member,
        action=AuditEvent.Action.READ,
        object_type="cases.case",
        object_id="search",
        categories=(["identity"] if searched else []) + (["contact"] if key else []),
        details={"results": len(found)},
    )
    return result


def case_list_by_ids(*, user: AnyUser, ids: list[int]) -> CaseListing:
    """The cases of an earlier search, as far as the user may still see them in full."""
    own, _referred = case_parts_for_user(user)
    return CaseListing(own.filter(pk__in=ids))


def case_timeline(*, access: CaseAccess) -> list[CaseEvent]:
    """Every stage change, referral, note, task and follow-up in time order, as far as the reader
    may see: the owning agency sees all; a receiving agency sees its own lines, the lines of the
    referrals to itself (not those to other agencies: who else helps the person is not its to know)
    and the lines of the categories its referral shares."""
    events = access.case.events.select_related("agency", "actor")
    if not access.own:
        agency_id = access.viewer_agency_id
        events = events.filter(
            Q(agency_id=agency_id)
            | Q(kind=CaseEvent.Kind.REFERRAL, referred_to_id=agency_id)
            | Q(kind=CaseEvent.Kind.STAGE)
            | Q(category__in=access.categories)
            | Q(kind=CaseEvent.Kind.OPENED)
        ).exclude(Q(kind=CaseEvent.Kind.NOTE) & ~Q(agency_id=agency_id) & ~Q(category__in=access.categories))
    return list(events.order_by("at", "pk"))


def shows_identifying(access: CaseAccess) -> bool:
    return bool(access.categories & IDENTIFYING_CATEGORIES)


def open_tasks(*, user: AnyUser, agency_wide: bool = False, until: datetime.date | None = None) -> QuerySet[Task]:
    """The agency's open tasks, or only the user's own: assigned to them, or unassigned on a case
    they keep, on the cases the agency may still see. `until` keeps those falling due by that day."""
    member = require_member(user)
    tasks = task_list_for_user(member).filter(done_at__isnull=True)
    if not agency_wide:
        tasks = tasks.filter(Q(assignee=member) | Q(assignee__isnull=True, case__caseworker=member))
    if until is not None:
        tasks = tasks.filter(due_on__lte=until)
    return tasks.select_related("case", "assignee").defer(*unread(CASE_TEXTS, "case__")).order_by("due_on", "pk")


def overdue_tasks(*, user: AnyUser, agency_wide: bool = False) -> QuerySet[Task]:
    return open_tasks(user=user, agency_wide=agency_wide, until=clock.today() - datetime.timedelta(days=1))


# A group of tasks shows its first TASKS_SHOWN, the most behind first, and how many there are, counted
# no further than TASKS_COUNTED (a count above it reads "more than"): at a million cases a caseworker
# held 805 open tasks (a page of 477 KB, 0.67 s) and an agency 640,000 (decisions/0044).
TASKS_SHOWN = 25
TASKS_COUNTED = 1000
WEEK = datetime.timedelta(days=7)
TASK_GROUPS = ("overdue", "today", "week", "later")


def task_group_filter(group: str, day: datetime.date) -> Q:
    """The tasks of a group ("overdue", "today", "week", "later"), by when they fall due."""
    return {
        "overdue": Q(due_on__lt=day),
        "today": Q(due_on=day),
        "week": Q(due_on__gt=day, due_on__lte=day + WEEK),
        "later": Q(due_on__gt=day + WEEK),
    }[group]


@dataclass
class TasksByDay:
    """Open tasks by when they fall due, as a person plans their day: each group its first tasks, and
    `counts` how many there are per group, counted up to TASKS_COUNTED (`more`: there are more)."""

    overdue: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    this_week: list[Task] = field(default_factory=list)
    later: list[Task] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    more: dict[str, bool] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(self.counts.values())

    def all(self) -> list[Task]:
        return [*self.overdue, *self.due_today, *self.this_week, *self.later]


def tasks_by_day(
    tasks: QuerySet[Task], *, day: datetime.date, groups: tuple[str, ...] = TASK_GROUPS, shown: int = TASKS_SHOWN
) -> TasksByDay:
    """`tasks` grouped by when they fall due, each of `groups` read by itself: its first `shown`."""
    grouped = TasksByDay()
    lists = {"overdue": grouped.overdue, "today": grouped.due_today, "week": grouped.this_week, "later": grouped.later}
    for group in groups:
        first, found = first_and_count(tasks.filter(task_group_filter(group, day)), shown, at_most=TASKS_COUNTED)
        lists[group].extend(first)
        grouped.counts[group], grouped.more[group] = min(found, TASKS_COUNTED), found > TASKS_COUNTED
    return grouped
