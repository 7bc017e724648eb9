"""Makes one move of a workflow (lib/workflow.py) on a record of a case: the state and what the move
stamps saved with update_fields, then exactly one timeline line and one audit record.

The service has already locked the row, asked the engine (`Workflow.check`) and checked what only
it knows (dates, seats, a pending closure); nothing here decides whether the move is allowed.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib import clock, workflow
from reintegra.network.models import Agency

from .models import Case, CaseEvent
from .timeline import timeline_write

# Sent after every move recorded here, as moved.send(sender=type(record), record=record, move=move,
# case=case, actor=actor): the notifications app (a layer above) tells whom the move concerns.
moved = Signal()


def refuse_if_erased(case: Case) -> None:
    """Nothing more is written of a returnee whose identifying data was erased (cases/erasure.py):
    the case stays as de-identified statistics, never a record to fill in again. Every service that
    writes a record of a case calls it first; every workflow move passes it in `record_move`."""
    if case.erased_at is not None:
        raise ValidationError(_("The returnee's identifying data was erased: nothing more is recorded on this case."))


@dataclass(frozen=True)
class Line:
    """The timeline line a move writes (an English msgid with parameters; see lib/phrases.py)."""

    summary: str
    params: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    kind: str = CaseEvent.Kind.EDIT
    category: str = ""
    agency: Agency | None = None  # the agency that made the move; the case's by default
    referred_to: Agency | None = None  # a referral's line: the agency it went to (who else may read it)


def record_move(
    record: models.Model,
    move: workflow.Move,
    *,
    case: Case,
    actor: User,
    line: Line,
    audit_categories: list[str],
    audit_details: dict[str, Any],
    state_field: str | None = "status",
    reason: str = "",
    day: datetime.date | None = None,
    also: tuple[str, ...] = (),
) -> None:
    """Saves the move; `also` names fields the service set beside the stamps (a revision number).
    Refuses every move on an erased case (plans, referrals, enrolments, the case's own moves)."""
    refuse_if_erased(case)
    fields = workflow.stamp(
        record,
        move,
        state_field=state_field,
        actor=actor,
        now=clock.now(),
        day=day or clock.today(),
        reason=reason,
    )
    names = {f.name for f in record._meta.get_fields()}
    if "version" in names:
        record.version += 1  # type: ignore[attr-defined]
        fields.append("version")
    if "updated_at" in names:
        fields.append("updated_at")
    record.save(update_fields=list(dict.fromkeys([*fields, *also])))
    timeline_write(
        case,
        kind=line.kind,
        actor=actor,
        agency=line.agency,
        summary=line.summary,
        params=line.params,
        text=line.text,
        category=line.category,
        referred_to=line.referred_to,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=record,
        categories=audit_categories,
        details={"move": move.name, **audit_details},
    )
    moved.send(sender=type(record), record=record, move=move, case=case, actor=actor)
