"""The retention period after closure (decisions/0029-retention-and-erasure): when it has run out
for every case of a returnee, their identifying data is erased (`erasure.returnee_erase` on the
ground RETENTION) and the cases stay as de-identified statistics. `reintegra retention apply` runs it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from reintegra.lib import clock

from .choices import Stage
from .erasure import RETENTION, returnee_erase
from .models import Case


@dataclass(frozen=True)
class Due:
    code: str
    closed_at: datetime.datetime
    case: Case


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or clock.now()
    years = settings.RETENTION_YEARS_AFTER_CLOSURE
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def retention_due(now: datetime.datetime | None = None) -> list[Due]:
    """The closed cases whose returnee's data is due for erasure: closed before the cutoff, not yet
    erased, and the returnee has no other case that is open or closed since the cutoff."""
    cutoff = retention_cutoff(now)
    recent = Case.objects.filter(models.Q(closed_at__isnull=True) | models.Q(closed_at__gte=cutoff))
    due = (
        Case.objects.filter(stage=Stage.CLOSED, closed_at__lt=cutoff, erased_at__isnull=True)
        .exclude(returnee_id__in=recent.values("returnee_id"))
        .order_by("closed_at", "pk")
    )
    return [Due(c.code, c.closed_at, c) for c in due if c.closed_at is not None]


def retention_apply(*, dry_run: bool = False, now: datetime.datetime | None = None) -> list[Due]:
    due = retention_due(now)
    if not dry_run:
        done: set[int] = set()
        for item in due:
            if item.case.returnee_id not in done:  # one erasure covers all the returnee's cases
                returnee_erase(actor=None, case=item.case, reason=RETENTION)
                done.add(item.case.returnee_id)
    return due
