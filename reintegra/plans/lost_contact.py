"""Lost contact (issue 16): a case whose follow-ups are missed several times in a row becomes an item
in its agency's supervisors' queue, never a silent closure. A supervisor closes it as lost contact
or dismisses the alert (contact restored).

A follow-up is a sustainability assessment (plans) or an income follow-up (livelihoods). It is
*missed* when nothing was recorded and either its due day passed more than GRACE_DAYS ago or a
caseworker recorded an attempt that did not reach the person (plans/attempts.py: "Not reached"),
which counts at once; a follow-up recorded after such attempts is not missed. "In a row": the
missed ones after the last follow-up that was recorded (whenever it was due), and after the day a
supervisor last said contact was restored. settings.LOST_CONTACT_MISSED of them put the case in the
queue (3 by default; REINTEGRA_LOST_CONTACT_MISSED). Attempts made on or before the day contact was
restored no longer count; one made after it counts, even for a follow-up due before it. The queue
shows, per case, the attempts on its missed follow-ups (how many, the last day).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reintegra.accounts.models import User
from reintegra.cases import services as case_services
from reintegra.cases.choices import Stage
from reintegra.cases.models import Case
from reintegra.cases.workflows import SUPERVISOR, parties_of
from reintegra.lib import clock
from reintegra.lib.remember import remembered
from reintegra.livelihoods.models import IncomeFollowUp

from .models import Assessment, ContactAttempt

# A follow-up a few days late is being arranged, not missed.
GRACE_DAYS = 14


@dataclass(frozen=True)
class OutOfContact:
    case: Case
    missed: int
    last_due: datetime.date
    attempts: int = 0  # "not reached" attempts on the missed follow-ups
    last_attempt: datetime.date | None = None


@dataclass(frozen=True)
class _Point:
    """One follow-up that counts: recorded, or missed (past the grace days, or not reached)."""

    due_on: datetime.date
    recorded: bool
    overdue: bool  # its due day passed more than GRACE_DAYS ago
    attempts: tuple[datetime.date, ...] = ()  # the days of its "not reached" attempts


def _points(cases: Q, today: datetime.date) -> dict[int, list[_Point]]:
    """Per case: the follow-ups that count, in order of due day."""
    cutoff = today - datetime.timedelta(days=GRACE_DAYS)
    scope = ContactAttempt.objects.filter(*_prefixed(cases, "case"))
    tried: dict[tuple[str, int], list[datetime.date]] = defaultdict(list)
    for assessment_id, follow_up_id, on in scope.values_list("assessment_id", "follow_up_id", "on"):
        tried[("a", assessment_id) if assessment_id else ("f", follow_up_id)].append(on)

    def counted(path: str) -> Q:
        attempted = Exists(ContactAttempt.objects.filter(**{path: OuterRef("pk")}))
        return Q(done_on__isnull=False) | Q(due_on__lt=cutoff) | Q(attempted)

    points: dict[int, list[_Point]] = defaultdict(list)
    assessments = Assessment.objects.filter(counted("assessment"), *_prefixed(cases, "case"))
    follow_ups = IncomeFollowUp.objects.filter(counted("follow_up"), *_prefixed(cases, "enrolment__case"))
    rows = [
        *(("a", *row) for row in assessments.values_list("pk", "case_id", "due_on", "done_on")),
        *(("f", *row) for row in follow_ups.values_list("pk", "enrolment__case_id", "due_on", "done_on")),
    ]
    for kind, pk, case_id, due_on, done_on in rows:
        attempts = tuple(sorted(tried.get((kind, pk), ())))
        points[case_id].append(_Point(due_on, done_on is not None, due_on < cutoff, attempts))
    for values in points.values():
        values.sort(key=lambda point: point.due_on)
    return points


def _prefixed(cases: Q, path: str) -> tuple[Q]:
    return (Q(**{f"{path}__in": Case.objects.filter(cases).values("pk")}),)


@dataclass(frozen=True)
class _Missed:
    count: int = 0
    last_due: datetime.date | None = None
    attempts: int = 0
    last_attempt: datetime.date | None = None


def _missed_in_a_row(points: list[_Point], restored_on: datetime.date | None) -> _Missed:
    missed, last_due, attempts = 0, None, []
    for point in reversed(points):
        # Attempts made on or before the day contact was restored are history, not a missed contact.
        fresh = [on for on in point.attempts if restored_on is None or on > restored_on]
        if point.recorded:
            break
        if not fresh and ((restored_on is not None and point.due_on <= restored_on) or not point.overdue):
            continue  # due before contact was restored, or not yet overdue, and not reached since
        missed += 1
        last_due = last_due or point.due_on
        attempts.extend(fresh)
    return _Missed(missed, last_due, len(attempts), max(attempts, default=None))


def missed_follow_ups(case: Case, *, today: datetime.date | None = None) -> int:
    """How many follow-ups of the case were missed in a row (see the module's docstring)."""
    points = _points(Q(pk=case.pk), today or clock.today()).get(case.pk, [])
    return _missed_in_a_row(points, case.contact_restored_on).count


def _open_in(agency_id: int) -> Q:
    """The agency's cases the queue may hold: open, not erased."""
    return Q(agency_id=agency_id, erased_at__isnull=True) & ~Q(stage=Stage.CLOSED)


def lost_contact_queue(*, agency_id: int, today: datetime.date | None = None) -> list[OutOfContact]:
    """The agency's open cases with settings.LOST_CONTACT_MISSED or more follow-ups missed in a row,
    the longest silence first. Nothing personal: the supervisor's queue shows the case code."""
    today = today or clock.today()
    scope = _open_in(agency_id)
    points = _points(scope, today)
    if not points:
        return []
    # Only the few cases a supervisor said were reached again are read for that day; the cases of the
    # queue then by their ids (at a million, a list of every case with a follow-up took 2.6 s).
    restored = dict(
        Case.objects.filter(scope, contact_restored_on__isnull=False).values_list("pk", "contact_restored_on")
    )
    found = {case_id: _missed_in_a_row(values, restored.get(case_id)) for case_id, values in points.items()}
    due = {case_id: m for case_id, m in found.items() if m.count >= settings.LOST_CONTACT_MISSED and m.last_due}
    cases = Case.objects.filter(scope, pk__in=due).only("pk", "code", "contact_restored_on")
    queue = []
    for case in cases:
        missed = due[case.pk]
        assert missed.last_due is not None  # noqa: S101  kept only when set, above
        queue.append(
            OutOfContact(
                case=case,
                missed=missed.count,
                last_due=missed.last_due,
                attempts=missed.attempts,
                last_attempt=missed.last_attempt,
            )
        )
    return sorted(queue, key=lambda item: (-item.missed, item.case.code))


def lost_contact_queue_for_page(*, agency_id: int) -> list[OutOfContact]:
    """`lost_contact_queue`, worked out at most once every SUPERVISOR_QUEUES_SECONDS per agency and
    kept in the shared cache (at a million cases it reads every follow-up of the agency: seconds).
    Each read checks its cases again, in one query: a case closed, erased or said to be reached again
    since leaves the queue at once; a follow-up missed or recorded since shows at the next working out
    (acting on a case no longer due is refused, with the reason)."""
    key = f"lost-contact-queue:{agency_id}:{clock.today().isoformat()}:{settings.LOST_CONTACT_MISSED}"
    queue = remembered(key, settings.SUPERVISOR_QUEUES_SECONDS, lambda: lost_contact_queue(agency_id=agency_id), list)
    if not queue:
        return []
    now = dict(
        Case.objects.filter(_open_in(agency_id), pk__in=[item.case.pk for item in queue]).values_list(
            "pk", "contact_restored_on"
        )
    )
    return [item for item in queue if item.case.pk in now and now[item.case.pk] == item.case.contact_restored_on]


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
