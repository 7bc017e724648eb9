"""Tasks on a case: created, done, and closed with the record they stood for."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib import clock
from reintegra.lib.dates import show_day
from reintegra.lib.phrases import day, render
from reintegra.lib.validation import raise_if, record_problems
from reintegra.network.models import Agency

from .models import TASK_TITLE_LIMIT, Case, CaseEvent, ReturnJourney, Task
from .timeline import timeline_write
from .transitions import refuse_if_erased


def case_keeper(case: Case) -> User | None:
    """Who a task the case schedules for itself goes to: its caseworker, while they work for the
    case's agency (someone who moved on is not given the old agency's work)."""
    caseworker = case.caseworker
    return caseworker if caseworker is not None and caseworker.agency_id == case.agency_id else None


@transaction.atomic
def task_create(
    *,
    actor: User,
    case: Case | None,
    title: str = "",
    due_on: datetime.date,
    assignee: User | None = None,
    is_follow_up: bool = False,
    agency: Agency | None = None,
    announce: bool = True,
    title_phrase: str = "",
    title_params: dict[str, Any] | None = None,
) -> Task:
    """The one writer of tasks. A task belongs to `agency` (the actor's by default). A task that a
    record schedules for itself (an assessment, an income follow-up) is not `announce`d on the
    timeline: the record's own line says what was scheduled; its title is given as a phrase
    (`title_phrase`, an English msgid, and `title_params`), shown in each reader's language, and
    `title` is then its English wording. A task on no `case` is one the system gives a supervisor
    about their agency (decisions/0022): it has an assignee, and only they see it."""
    if case is not None:
        refuse_if_erased(case)
    agency = agency or actor.agency
    title_params = title_params or {}
    if title_phrase:
        with translation.override("en"):
            title = Truncator(render(title_phrase, title_params)).chars(TASK_TITLE_LIMIT)
    errors: dict[str, Any] = {}
    if not title.strip():
        errors["title"] = _("Say what is to be done.")
    errors |= record_problems(Task(title=title), only=("title",))
    journey = ReturnJourney.objects.filter(case=case).first() if case is not None else None
    if is_follow_up and journey and due_on < journey.returned_on:
        errors["due_on"] = _("A follow-up cannot be due before the return (%(date)s).") % {
            "date": show_day(journey.returned_on)
        }
    if assignee is not None and assignee.agency_id != (agency.pk if agency else None):
        errors["assignee"] = _("Assign the task to someone of your agency.")
    if case is None and assignee is None:
        errors["assignee"] = _("A task on no case is for someone: assign it.")
    raise_if(errors)
    if agency is None:
        raise PermissionDenied
    task = Task.objects.create(
        case=case,
        title=title,
        due_on=due_on,
        agency=agency,
        case_agency_id=case.agency_id if case is not None else None,
        assignee=assignee,
        is_follow_up=is_follow_up,
        title_phrase=title_phrase,
        title_params=title_params,
    )
    if announce and case is not None:
        timeline_write(
            case,
            kind=CaseEvent.Kind.TASK,
            actor=actor,
            agency=actor.agency,
            summary=gettext_noop("Task due %(date)s."),
            params={"date": day(due_on)},
            text=title,
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=task,
        categories=["case"] if case is not None else [],
        details={"case": case.code if case is not None else ""},
    )
    return task


def task_close_linked(task: Task | None) -> None:
    """Marks done the task that stood for a record just completed (an assessment, a follow-up); the
    record's own timeline line says what was done, so the task adds none."""
    if task is not None and task.done_at is None:
        task.done_at = clock.now()
        task.save(update_fields=["done_at"])


@transaction.atomic
def task_done(*, actor: User, task: Task) -> Task:
    if task.done_at is None:
        if task.case is not None:
            refuse_if_erased(task.case)  # its open tasks were closed when it was erased
        task.done_at = clock.now()
        task.save(update_fields=["done_at"])
        if task.case is not None:
            timeline_write(
                task.case,
                kind=CaseEvent.Kind.TASK,
                actor=actor,
                agency=task.agency,
                summary=gettext_noop("Task done."),
                text=task.title,
            )
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=task, categories=["case"], details={"done": True}
        )
    return task
