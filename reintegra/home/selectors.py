"""What each role finds waiting on its home page: reads scoped through reintegra/access."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from reintegra.access import enrolment_list_for_user, referral_list_for_user, task_list_for_user
from reintegra.accounts.models import User
from reintegra.cases.models import CASE_TEXTS, Case
from reintegra.cases.selectors import WEEK, TasksByDay, open_tasks, tasks_by_day
from reintegra.lib import clock
from reintegra.lib.fields import unread
from reintegra.lib.lists import first_and_count
from reintegra.lib.remember import remembered
from reintegra.livelihoods import selectors as livelihood_selectors
from reintegra.livelihoods.choices import EnrolmentStatus
from reintegra.livelihoods.handover import LIVELIHOOD_SERVICE_CATEGORIES
from reintegra.livelihoods.models import Enrolment
from reintegra.network.models import Service
from reintegra.plans.choices import PlanStatus
from reintegra.plans.lost_contact import OutOfContact, lost_contact_queue_for_page
from reintegra.plans.models import Plan
from reintegra.referrals.choices import ACTIVE_REFERRAL_STATUSES, ReferralStatus
from reintegra.referrals.models import LISTED_UNREAD, Referral

RECENT = datetime.timedelta(days=14)


@dataclass
class Today:
    """A caseworker's day: their open tasks by when they fall due (overdue, today, this week), the
    referrals they sent that were answered lately or still wait, and the trainings completed with
    no placement."""

    tasks: TasksByDay
    answered: list[Referral] = field(default_factory=list)
    waiting: list[Referral] = field(default_factory=list)
    alerts: list[Enrolment] = field(default_factory=list)


def today_for(*, user: User) -> Today:
    day = clock.today()
    today = Today(tasks=tasks_by_day(open_tasks(user=user), day=day, groups=("overdue", "today", "week")))
    sent = (
        referral_list_for_user(user)
        .filter(from_agency_id=user.agency_id, case__caseworker=user)
        .select_related("case", "to_agency")
        .defer(*LISTED_UNREAD)
    )
    today.answered = list(
        sent.filter(responded_at__gte=clock.now() - RECENT)
        .exclude(status=ReferralStatus.PENDING)
        .order_by("-responded_at")
    )
    today.waiting = list(sent.filter(status=ReferralStatus.PENDING).order_by("sent_at"))
    today.alerts = list(livelihood_selectors.placement_alerts(user=user))
    return today


# A queue shows its oldest items (the team's overdue work: the most behind) up to this many, with how
# many wait in all: at national scale a supervisor's agency had 63,283 plans waiting.
QUEUE_SHOWN = 25


@dataclass
class Queues:
    """A supervisor's queues: what waits for their decision, and the team's overdue work. Each list is
    its first QUEUE_SHOWN items; `counts` says how many there are in all, per list."""

    plans: list[Plan]
    closures: list[Case]
    overrides: list[Referral]
    team_overdue: list[dict[str, Any]]
    # Cases whose follow-ups were missed in a row (plans/lost_contact.py): close or dismiss.
    lost_contact: list[OutOfContact] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _first(items: QuerySet[Any]) -> tuple[list[Any], int]:
    """The first QUEUE_SHOWN items, and how many there are."""
    return first_and_count(items, QUEUE_SHOWN)


def _first_of_each(
    items: QuerySet[Any], lists: dict[str, Q], *, order: Sequence[str]
) -> dict[str, tuple[list[Any], int]]:
    """`_first` of several lists of one queryset, in one query: each item in the first list whose
    condition it meets, numbered within its list in `order`, and counted. The queryset's access rule
    (a provider's enrolments: a second or more at national scale) is worked out once, not twice a list."""
    which = SqlCase(*(When(condition, then=Value(name)) for name, condition in lists.items()), default=None)
    rows = (
        items.annotate(queue=which)
        .filter(queue__isnull=False)
        .annotate(
            place=Window(RowNumber(), partition_by=F("queue"), order_by=list(order)),
            total=Window(Count("*"), partition_by=F("queue")),
        )
        .filter(place__lte=QUEUE_SHOWN)
    )
    shown: dict[str, list[Any]] = {name: [] for name in lists}
    totals = dict.fromkeys(lists, 0)
    for item in sorted(rows, key=lambda item: item.place):
        shown[item.queue].append(item)
        totals[item.queue] = item.total
    return {name: (shown[name], totals[name]) for name in lists}


def _team_overdue(user: User) -> list[dict[str, Any]]:
    return list(
        task_list_for_user(user)
        .filter(done_at__isnull=True, due_on__lt=clock.today())
        .values("assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "assignee__username")
    )


def queues_for(*, user: User, agency: int) -> Queues:
    plans, plans_count = _first(
        Plan.objects.filter(agency_id=agency, status=PlanStatus.SUBMITTED)
        .exclude(author=user)
        .exclude(submitted_by=user)
        .select_related("case", "submitted_by")
        .defer(*unread(CASE_TEXTS, "case__"))
        .order_by("updated_at", "pk")
    )
    closures, closures_count = _first(
        Case.objects.filter(agency_id=agency, closure_requested_at__isnull=False)
        .exclude(closure_requested_by=user)
        .select_related("closure_requested_by")
        .order_by("closure_requested_at", "pk")
    )
    overrides, overrides_count = _first(
        Referral.objects.filter(
            from_agency_id=user.agency_id, override_by__isnull=False, sent_at__gte=clock.now() - 4 * WEEK
        )
        .select_related("case", "to_agency", "override_by")
        .defer(*LISTED_UNREAD)
        .order_by("-sent_at", "-pk")
    )
    # Counts per person, a few minutes old at most (at a million cases they take a second to count).
    team_overdue = remembered(
        f"team-overdue:{user.agency_id}:{clock.today().isoformat()}",
        settings.SUPERVISOR_QUEUES_SECONDS,
        lambda: _team_overdue(user),
        list,
    )
    lost_contact = lost_contact_queue_for_page(agency_id=agency)
    return Queues(
        plans=plans,
        closures=closures,
        overrides=overrides,
        team_overdue=team_overdue[:QUEUE_SHOWN],
        lost_contact=lost_contact[:QUEUE_SHOWN],
        counts={
            "plans": plans_count,
            "closures": closures_count,
            "overrides": overrides_count,
            "team_overdue": len(team_overdue),
            "lost_contact": len(lost_contact),
        },
    )


@dataclass
class Inbox:
    """A provider's inbox: referrals to answer, and the people on its options with a step to record.
    Each list is its oldest QUEUE_SHOWN items (an agency may receive hundreds of thousands of
    referrals); `counts` says how many there are in all, per list."""

    to_answer: list[Referral]
    to_enrol: list[Enrolment]
    in_training: list[Enrolment]
    to_place: list[Enrolment]
    # Accepted referrals for livelihood work, the person on none of the agency's options yet (decisions/0018).
    to_take_on: list[Referral] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def inbox_for(*, user: User) -> Inbox:
    to_answer = (
        referral_list_for_user(user)
        .filter(to_agency_id=user.agency_id, status=ReferralStatus.PENDING)
        .select_related("case", "from_agency", "service")
        .defer(*LISTED_UNREAD)
        .order_by("sent_at", "pk")
    )
    provided: QuerySet[Enrolment] = (
        enrolment_list_for_user(user)
        .filter(opportunity__provider_id=user.agency_id)
        .select_related("case", "opportunity")
        .defer(*unread(CASE_TEXTS, "case__"))
    )
    on_our_options = Enrolment.objects.filter(case=OuterRef("case"), opportunity__provider_id=user.agency_id)
    # A referral's service is one of the receiving agency's (referrals/services.py): an agency with no
    # livelihood service has no referral to take on, and nothing is asked.
    livelihood_services = (
        list(
            Service.objects.filter(agency_id=user.agency_id, category__in=LIVELIHOOD_SERVICE_CATEGORIES).values_list(
                "pk", flat=True
            )
        )
        if user.agency_id is not None
        else []
    )
    to_take_on = (
        referral_list_for_user(user)
        .filter(
            to_agency_id=user.agency_id,
            status__in=ACTIVE_REFERRAL_STATUSES,
            service_id__in=livelihood_services,
        )
        .exclude(Exists(on_our_options))
        .select_related("case", "from_agency", "service")
        .defer(*LISTED_UNREAD)
        .order_by("responded_at", "pk")
    )
    lists = {"to_answer": _first(to_answer), "to_take_on": _first(to_take_on)}
    lists |= _first_of_each(
        provided,
        {
            "to_enrol": Q(status=EnrolmentStatus.ACCEPTED),
            "in_training": Q(status=EnrolmentStatus.ENROLLED),
            "to_place": Q(status=EnrolmentStatus.COMPLETED, placement__isnull=True),
        },
        order=("updated_at", "pk"),
    )
    return Inbox(
        **{name: shown for name, (shown, _count) in lists.items()},
        counts={name: count for name, (_shown, count) in lists.items()},
    )
