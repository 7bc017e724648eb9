"""Lost contact (issue 16): a case whose follow-ups are missed several times in a row becomes an item
in its agency's supervisors' queue, never a silent closure. A supervisor closes it as lost contact
or dismisses the alert (contact restored).

A follow-up is a sustainability assessment (plans) or an income follow-up (livelihoods). It is
*missed* when its due day passed more than GRACE_DAYS ago and nothing was recorded. "In a row": the
missed ones after the last follow-up that was recorded (whenever it was due), and after the day a
supervisor last said contact was restored. settings.LOST_CONTACT_MISSED of them put the case in the
queue (3 by default; REINTEGRA_LOST_CONTACT_MISSED).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reintegra.accounts.models import User
from reintegra.cases import services as case_services
from reintegra.cases.choices import Stage
from reintegra.cases.models import Case
from reintegra.cases.workflows import SUPERVISOR, parties_of
from reintegra.lib import clock
from reintegra.livelihoods.models import IncomeFollowUp

from .models import Assessment

# A follow-up a few days late is being arranged, not missed.
GRACE_DAYS = 14


@dataclass(frozen=True)
class OutOfContact:
    case: Case
    missed: int
    last_due: datetime.date


def _points(cases: Q, today: datetime.date) -> dict[int, list[tuple[datetime.date, bool]]]:
    """Per case: (due day, recorded) of its follow-ups that count, in order of due day."""
    cutoff = today - datetime.timedelta(days=GRACE_DAYS)
    counted = Q(done_on__isnull=False) | Q(due_on__lt=cutoff)
    points: dict[int, list[tuple[datetime.date, bool]]] = defaultdict(list)
    rows = [
        *Assessment.objects.filter(counted, *_prefixed(cases, "case")).values_list("case_id", "due_on", "done_on"),
        *IncomeFollowUp.objects.filter(counted, *_prefixed(cases, "enrolment__case")).values_list(
            "enrolment__case_id", "due_on", "done_on"
        ),
    ]
    for case_id, due_on, done_on in rows:
        points[case_id].append((due_on, done_on is not None))
    for values in points.values():
        values.sort()
    return points


def _prefixed(cases: Q, path: str) -> tuple[Q]:
    return (Q(**{f"{path}__in": Case.objects.filter(cases).values("pk")}),)


def _missed_in_a_row(
    points: list[tuple[datetime.date, bool]], restored_on: datetime.date | None
) -> tuple[int, datetime.date | None]:
    missed, last_due = 0, None
    for due_on, recorded in reversed(points):
        if recorded or (restored_on is not None and due_on <= restored_on):
            break
        missed += 1
        last_due = last_due or due_on
    return missed, last_due


def missed_follow_ups(case: Case, *, today: datetime.date | None = None) -> int:
    """How many follow-ups of the case were missed in a row (see the module's docstring)."""
    points = _points(Q(pk=case.pk), today or clock.today()).get(case.pk, [])
    return _missed_in_a_row(points, case.contact_restored_on)[0]


def lost_contact_queue(*, agency_id: int, today: datetime.date | None = None) -> list[OutOfContact]:
    """The agency's open cases with settings.LOST_CONTACT_MISSED or more follow-ups missed in a row,
    the longest silence first. Nothing personal: the supervisor's queue shows the case code."""
    today = today or clock.today()
    scope = Q(agency_id=agency_id, erased_at__isnull=True) & ~Q(stage=Stage.CLOSED)
    points = _points(scope, today)
    if not points:
        return []
    cases = {c.pk: c for c in Case.objects.filter(scope, pk__in=points).only("pk", "code", "contact_restored_on")}
    queue = []
    for case_id, values in points.items():
        case = cases.get(case_id)
        if case is None:
            continue
        missed, last_due = _missed_in_a_row(values, case.contact_restored_on)
        if missed >= settings.LOST_CONTACT_MISSED and last_due is not None:
            queue.append(OutOfContact(case=case, missed=missed, last_due=last_due))
    return sorted(queue, key=lambda item: (-item.missed, item.case.code))


def _in_the_queue(actor: User, case: Case) -> int:
    """The missed follow-ups of a case of the supervisor's queue; refused for anyone but a supervisor
    of the case's agency (403) and for a case not in the queue (400)."""
    if SUPERVISOR not in parties_of(actor, case):
        raise PermissionDenied(_("Only a supervisor of the case's agency does this."))
    missed = missed_follow_ups(case)
    if missed < settings.LOST_CONTACT_MISSED or case.stage == Stage.CLOSED:
        raise ValidationError(
            _("This case has not missed %(n)s follow-ups in a row: there is no lost contact to act on.")
            % {"n": settings.LOST_CONTACT_MISSED}
        )
    return missed


@transaction.atomic
def lost_contact_close(*, actor: User, case: Case) -> Case:
    """A supervisor closes, as lost contact, a case of their queue (cases/workflows.py:
    close_lost_contact). Refused while fewer follow-ups than settings.LOST_CONTACT_MISSED were missed."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    missed = _in_the_queue(actor, case)
    words = ngettext("%(n)s follow-up in a row was missed.", "%(n)s follow-ups in a row were missed.", missed) % {
        "n": missed
    }
    return case_services.closure_move(actor=actor, case=case, move="close_lost_contact", lost_contact_words=words)


@transaction.atomic
def lost_contact_dismiss(*, actor: User, case: Case) -> Case:
    """A supervisor dismisses the alert of a case of their queue: contact is restored."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _in_the_queue(actor, case)
    return case_services.contact_restore(actor=actor, case=case)


def last_sustainability_index(*, case: Case) -> float | None:
    """The composite of the case's last recorded sustainability assessment (the closure_index reaction)."""
    return (
        Assessment.objects.filter(case=case, done_on__isnull=False, composite__isnull=False)
        .order_by("-done_on", "-pk")
        .values_list("composite", flat=True)
        .first()
    )
