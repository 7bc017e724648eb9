"""The time-driven notices, raised by `reintegra notify` once a day (docs/deployment.md): tasks due
tomorrow and overdue (their assignee), follow-ups and assessments due, and a training completed 30
days ago without a placement (the case's caseworker), a case out of contact (its agency's
supervisors), and once a week this week's allocation decision when someone looking for a training or
a job cannot wait past it (its agency's supervisors). Each is raised once for what it is about
(`key`), so running the command twice, or every hour, tells nobody twice."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from reintegra.accounts.models import Role, User
from reintegra.cases.choices import Stage
from reintegra.cases.models import Task
from reintegra.lib import clock
from reintegra.livelihoods import allocation, weekly
from reintegra.livelihoods.choices import EnrolmentStatus
from reintegra.livelihoods.models import Enrolment, IncomeFollowUp
from reintegra.plans.lost_contact import lost_contact_queue
from reintegra.plans.models import Assessment

from .models import Kind
from .services import notify, untold

NO_PLACEMENT_DAYS = 30


@dataclass
class Raised:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n


def _live_case() -> Q:
    """A case still worked on: neither closed nor erased."""
    return Q(case__erased_at__isnull=True) & ~Q(case__stage=Stage.CLOSED)


def raise_due(today: datetime.date | None = None) -> Raised:
    today = today or clock.today()
    raised = Raised()
    scheduled = set(Assessment.objects.filter(task__isnull=False).values_list("task_id", flat=True)) | set(
        IncomeFollowUp.objects.filter(task__isnull=False).values_list("task_id", flat=True)
    )
    tasks = (
        Task.objects.filter(
            done_at__isnull=True, assignee__isnull=False, due_on__lte=today + datetime.timedelta(days=1)
        )
        .filter(Q(case__isnull=True) | _live_case())
        .exclude(pk__in=scheduled)
        .select_related("case", "assignee")
    )
    for task in tasks:
        kind = Kind.TASK_DUE_TOMORROW if task.due_on > today else Kind.TASK_OVERDUE
        if task.due_on == today:
            continue  # due today: on the person's today page already, overdue tomorrow
        code = task.case.code if task.case else ""
        link = reverse("cases:detail", args=[code]) if code else reverse("home")
        raised.add(kind, len(notify([task.assignee], kind=kind, case_code=code, link=link, key=f"task:{task.pk}")))
    for assessment in (
        Assessment.objects.filter(done_on__isnull=True, due_on__lte=today)
        .filter(_live_case())
        .select_related("case__caseworker")
    ):
        case = assessment.case
        made = notify(
            [case.caseworker],
            kind=Kind.ASSESSMENT_DUE,
            case_code=case.code,
            link=reverse("plans:plan", kwargs={"code": case.code}),
            key=f"assessment:{assessment.pk}",
        )
        raised.add(Kind.ASSESSMENT_DUE, len(made))
    follow_ups = IncomeFollowUp.objects.filter(done_on__isnull=True, due_on__lte=today).filter(
        Q(enrolment__case__erased_at__isnull=True) & ~Q(enrolment__case__stage=Stage.CLOSED)
    )
    for follow_up in follow_ups.select_related("enrolment__case__caseworker"):
        case = follow_up.enrolment.case
        made = notify(
            [case.caseworker],
            kind=Kind.FOLLOW_UP_DUE,
            case_code=case.code,
            link=reverse("livelihoods:enrolment", args=[follow_up.enrolment_id]),
            key=f"follow-up:{follow_up.pk}",
        )
        raised.add(Kind.FOLLOW_UP_DUE, len(made))
    waited = today - datetime.timedelta(days=NO_PLACEMENT_DAYS)
    trained = Enrolment.objects.filter(
        status=EnrolmentStatus.COMPLETED, ended_on__lte=waited, placement__isnull=True
    ).filter(_live_case())
    for enrolment in trained.select_related("case__caseworker"):
        case = enrolment.case
        made = notify(
            [case.caseworker],
            kind=Kind.TRAINING_NO_PLACEMENT,
            case_code=case.code,
            link=reverse("livelihoods:enrolment", args=[enrolment.pk]),
            key=f"enrolment:{enrolment.pk}",
        )
        raised.add(Kind.TRAINING_NO_PLACEMENT, len(made))
    _raise_lost_contact(today, raised)
    _raise_allocation_due(today, raised)
    return raised


def _supervisors_by_agency() -> dict[int, list[User]]:
    staff = User.objects.filter(role=Role.SUPERVISOR, is_active=True, agency__isnull=False).select_related("agency")
    by_agency: dict[int, list[User]] = {}
    for supervisor in staff:
        assert supervisor.agency_id is not None  # noqa: S101  filtered above
        by_agency.setdefault(supervisor.agency_id, []).append(supervisor)
    return by_agency


def _raise_allocation_due(today: datetime.date, raised: Raised) -> None:
    """This week's allocation decision (livelihoods/weekly.py), once a week per agency: its supervisors,
    when someone of theirs still looking for a training or a job has waited, or will have waited by
    next week, the longest wait a decision allows by default (allocation.MAX_WAIT_WEEKS). The notice
    names no one: the allocation page lists who cannot wait."""
    year, week, _day = today.isocalendar()
    horizon = today + datetime.timedelta(days=7)
    longest = datetime.timedelta(weeks=allocation.MAX_WAIT_WEEKS)
    for agency_id, supervisors in _supervisors_by_agency().items():
        key = f"allocation-week:{agency_id}:{year}-{week}"
        if not untold(supervisors, kind=Kind.ALLOCATION_DUE, key=key):
            continue  # every supervisor already told this week: spare the agency's candidates
        selection = allocation.candidates(user=supervisors[0])
        due = [
            person
            for person in selection.looking
            if (since := weekly.waiting_since(person.case, person.profile)) is not None and since + longest <= horizon
        ]
        if not due:
            continue
        made = notify(
            supervisors,
            kind=Kind.ALLOCATION_DUE,
            link=reverse("livelihoods:allocation") + "?mode=week",
            key=key,
        )
        raised.add(Kind.ALLOCATION_DUE, len(made))


def _raise_lost_contact(today: datetime.date, raised: Raised) -> None:
    """A case that enters its agency's lost-contact queue (plans/lost_contact.py): its supervisors, once
    each time it enters (a supervisor who says contact was restored starts it afresh)."""
    for agency_id, supervisors in _supervisors_by_agency().items():
        for item in lost_contact_queue(agency_id=agency_id, today=today):
            case = item.case
            made = notify(
                supervisors,
                kind=Kind.LOST_CONTACT,
                case_code=case.code,
                link=reverse("home"),
                key=f"lost-contact:{case.pk}:{case.contact_restored_on or ''}",
            )
            raised.add(Kind.LOST_CONTACT, len(made))
