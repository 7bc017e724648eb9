"""The demo's closures come last: a case is closed some weeks after the last work recorded on it
(referrals, tasks, plan, assessments, livelihood follow-ups), and a supervisor decides a few days
later. Some requests still wait for the supervisor."""

import datetime
import random
from dataclasses import dataclass

from django.db.models import Max

from reintegra.accounts.models import User
from reintegra.cases import services as case_services
from reintegra.cases.choices import ClosureReason, HistoryType
from reintegra.cases.closure import reason_of_words
from reintegra.cases.models import Case, CaseEvent
from reintegra.demo.drawing import SEED, Writer
from reintegra.demo.timing import HOUR, Pace, zone_of
from reintegra.lib import clock


@dataclass(frozen=True)
class Closing:
    """A closure drawn for a case: "approved", "refused" (declined) or "requested" (waiting)."""

    case_id: int
    closure: str
    reason: str
    requester: User
    supervisor: User | None  # who decides; none where no demo supervisor may

    @property
    def closes(self) -> bool:
        """Whether the case ends closed: everything on it is done before."""
        return self.closure == "approved" and self.supervisor is not None


def _abroad_again(case: Case, reason: str) -> case_services.RemigrationFields | None:
    """The move abroad a closure's words speak of (the demo's say "through a licensed agency":
    regular channels), to the country the person worked in before; None for other reasons."""
    if reason_of_words(reason) != ClosureReason.REMIGRATED:
        return None
    worked = case.history.filter(type=HistoryType.EXPLOITATION).values_list("country", flat=True).first()
    return {"country": worked or "MY", "regular": True}


def close_demo_cases(
    *, closings: list[Closing], now: datetime.datetime, stdout: Writer | None = None
) -> dict[str, int]:
    """Asks for and decides the closures drawn for the demo cases, each at its moment."""
    pace = Pace(rng=random.Random(SEED + 3), latest=now)  # reproducible, not security
    counts = {"approved": 0, "refused": 0, "requested": 0}
    last_work = dict(
        CaseEvent.objects.filter(case_id__in=[c.case_id for c in closings])
        .values_list("case_id")
        .annotate(last=Max("at"))
        .order_by()
    )
    for closing in closings:
        case = Case.objects.select_related("agency").get(pk=closing.case_id)
        zone = zone_of(case.agency.country)
        last = last_work.get(case.pk, case.opened_at)
        decision = {"approved": "approve", "refused": "decline"}.get(closing.closure)
        if decision is None or closing.supervisor is None:
            requested = max(last + HOUR, now - pace.wait("closure_waiting"))
        else:
            requested = pace.after(last, pace.wait("closure_after_last_work"), zone)
        with clock.running_at(min(requested, now)):
            case_services.closure_move(
                actor=closing.requester,
                case=case,
                move="request",
                reason=closing.reason,
                remigration=_abroad_again(case, closing.reason),
            )
        if decision is not None and closing.supervisor is not None:
            with clock.running_at(pace.after(requested, pace.wait("closure_decision"), zone)):
                case_services.closure_move(actor=closing.supervisor, case=Case.objects.get(pk=case.pk), move=decision)
            counts[closing.closure] += 1
        else:
            counts["requested"] += 1
    if stdout is not None and closings:
        stdout.write(
            "Demo closures: {approved} approved, {refused} declined, {requested} waiting for a supervisor.".format(
                **counts
            )
        )
    return counts
