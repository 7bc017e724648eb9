"""Erasure of a returnee's identifying data, on the returnee's request (the ERASURE workflow) or when
the retention period after closure has run out (cases/retention.py); decisions/0029-retention-and-erasure.

What is destroyed: every encrypted column of the returnee and of every record of their cases,
whichever app keeps it (found from the models, so a new encrypted field is covered without a change
here), the blind indexes (name, name and year, name and birth date, phone and name-word rows), the
identifier the case had elsewhere, and the exact dates of the migration and of the return (kept to
the first of their month). What stays: the case under its code, as de-identified statistics (gender,
age at intake, citizenships, province, countries, types of exploitation, stages, referrals, outcomes).
The act is logged (who, when, on which ground), never what was erased.
"""

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib import clock, workflow
from reintegra.lib.fields import ENCRYPTED_FIELDS
from reintegra.lib.validation import raise_if, value_problems
from reintegra.lib.validators import REASON
from reintegra.lib.workflow import Move

from . import erasure_ledger, reactions
from .choices import Stage
from .models import Case, CaseEvent, HistoryEvent, NameWordIndex, PhoneIndex, Returnee, ReturnJourney, Task
from .timeline import timeline_write
from .transitions import Line, record_move
from .workflows import ERASURE, erasure_parties, erasure_state

logger = logging.getLogger(__name__)


class ErasureNotRecorded(ValidationError):
    """The erasure ledger could not be written: the erasure was rolled back (decisions/0031)."""


# --- What is erased --------------------------------------------------------------------------

# The grounds an erasure is made on: what the log keeps of "why".
REQUEST, RETENTION = "request", "retention"
GROUND_LINES = {
    REQUEST: gettext_noop("Identifying data erased at the returnee's request."),
    RETENTION: gettext_noop("Identifying data erased: the retention period after closure ended."),
}
# Records that lead to a case but are not the returnee's: an agency, a user, a service, an option.
_NOT_PERSONAL = ("network.", "accounts.", "livelihoods.opportunity", "livelihoods.allocationround")
# Encrypted records that belong to no case: an HTCDS upload (exchange.importjob) keeps a file's rows
# only until its import is done (then counts alone) or it is discarded (decisions/0027).
# A CTDC file (exchange.ctdcexportjob) holds k-anonymous codes only, no case's record.
_NOT_CASE_RECORDS = ("exchange.importjob", "exchange.ctdcexportjob")


def _paths_to_case(model: type[models.Model], depth: int = 3) -> list[str]:
    """Every lookup from `model` to Case through foreign keys of case records (`plan__case`,
    `goal__plan__case`, `referral__case`…): a record is the case's if any of them leads there."""
    if model is Case:
        return ["pk"]
    paths: list[str] = []
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if not isinstance(target, type) or target.__name__ == "Returnee":
            continue
        if target is Case:
            paths.append(f"{field.name}__pk")
        elif depth > 1 and not target._meta.label_lower.startswith(_NOT_PERSONAL):
            paths += [f"{field.name}__{p}" for p in _paths_to_case(target, depth - 1)]
    return paths


def case_records() -> list[tuple[type[models.Model], list[str], list[str]]]:
    """Each model with encrypted columns, those columns, and its lookups to the case (empty for
    the returnee, reached through the case's returnee)."""
    found = []
    for model in apps.get_models():
        if model._meta.label_lower in _NOT_CASE_RECORDS:
            continue
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELDS)]
        if columns:
            found.append((model, columns, [] if model is Returnee else _paths_to_case(model)))
    return found


def _blank(model: type[models.Model], columns: list[str], pks: Iterable[Any]) -> None:
    """Writes the empty value into the raw columns (an encrypted field reads it as empty), so not
    even a token of an empty value is left of what was there."""
    pks = list(pks)
    if not pks:
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)  # type: ignore[union-attr]
    assignments = ", ".join(f"{quote(c)} = ''" for c in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk} IN ({marks})", chunk)  # noqa: S608


def _month(day: datetime.date | None) -> datetime.date | None:
    return day.replace(day=1) if day else None


def _month_phrase(value: Any) -> Any:
    """A day phrase ({"date": "2024-02-14"}) kept to its month; any other parameter as it is."""
    if isinstance(value, dict) and set(value) == {"date"} and isinstance(value["date"], str):
        try:
            return {"date": datetime.date.fromisoformat(value["date"][:10]).replace(day=1).isoformat()}
        except ValueError:
            return value
    return value


def _destroy(returnee: Returnee, case_ids: list[int]) -> None:
    for model, columns, paths in case_records():
        if model is Returnee:
            _blank(model, columns, [returnee.pk])
            continue
        if not paths:
            raise RuntimeError(f"{model._meta.label} keeps encrypted data but leads to no case")  # pragma: no cover
        query = models.Q()
        for path in paths:
            query |= models.Q(**{f"{path}__in": case_ids})
        _blank(model, columns, model._default_manager.filter(query).values_list("pk", flat=True).distinct())
    Returnee.objects.filter(pk=returnee.pk).update(
        name_index="", name_year_index="", name_birth_index="", photo_type=""
    )
    PhoneIndex.objects.filter(returnee=returnee).delete()
    NameWordIndex.objects.filter(returnee=returnee).delete()
    Case.objects.filter(pk__in=case_ids).update(external_id="")
    # Nobody works with a person nobody can identify: the cases' open tasks end with the erasure.
    Task.objects.filter(case_id__in=case_ids, done_at__isnull=True).update(done_at=clock.now())
    # Exact dates single a person out in a small place: the statistics count by month and quarter.
    for event in HistoryEvent.objects.filter(case_id__in=case_ids):
        HistoryEvent.objects.filter(pk=event.pk).update(
            started_on=_month(event.started_on), ended_on=_month(event.ended_on)
        )
    for journey in ReturnJourney.objects.filter(case_id__in=case_ids):
        ReturnJourney.objects.filter(pk=journey.pk).update(returned_on=_month(journey.returned_on))
    # The timeline's lines name days too ("Return recorded … on 14 February 2024": lib/phrases.day).
    for line in CaseEvent.objects.filter(case_id__in=case_ids).exclude(params={}):
        params = {key: _month_phrase(value) for key, value in line.params.items()}
        if params != line.params:
            CaseEvent.objects.filter(pk=line.pk).update(params=params)
    reactions.records_written.fire(case_ids=case_ids)  # written around save(): the insights' rows


@transaction.atomic
def returnee_erase(*, actor: User | None, case: Case, reason: str, move: Move | None = None) -> Case:
    """Destroys the identifying data of the case's returnee, in this case and in every other case of
    theirs, and keeps the cases as de-identified statistics. `reason` is the ground (REQUEST or
    RETENTION); `move` is the workflow's confirmation when a supervisor confirms a request. An open
    case is closed (its referrals end): nobody can work with a person nobody can identify."""
    if reason not in GROUND_LINES:
        raise ValidationError({"reason": _("Unknown ground for an erasure.")})
    case = Case.objects.select_for_update().select_related("returnee").get(pk=case.pk)
    if case.erased_at is not None:
        raise ValidationError(_("The identifying data of this case has already been erased."))
    now = clock.now()
    fields = ["erased_at", "erasure_requested_at", "erasure_requested_by", "version", "updated_at"]
    if move is not None:
        fields = list(
            dict.fromkeys(
                [*fields, *workflow.stamp(case, move, state_field=None, actor=actor, now=now, day=clock.today())]
            )
        )
    case.erased_at, case.erasure_requested_at, case.erasure_requested_by = now, None, None
    cases = list(Case.objects.select_for_update().filter(returnee_id=case.returnee_id).order_by("pk"))
    ended = 0
    for each in cases:
        if each.stage != Stage.CLOSED and actor is not None:
            ended += sum(reactions.case_closed.fire(actor=actor, case=each))
    _destroy(case.returnee, [c.pk for c in cases])
    for each in cases:
        record = case if each.pk == case.pk else each
        record.erased_at = now
        record.erasure_requested_at = record.erasure_requested_by = None  # type: ignore[assignment]
        record.version += 1
        also = []
        if record.stage != Stage.CLOSED:
            record.stage_before_closure, record.stage = record.stage, Stage.CLOSED
            record.closed_at, record.closure_requested_at, record.closure_requested_by = now, None, None  # type: ignore[assignment]
            also = ["stage", "stage_before_closure", "closed_at", "closure_requested_at", "closure_requested_by"]
        record.save(update_fields=list(dict.fromkeys([*fields, *also])))
        timeline_write(record, kind=CaseEvent.Kind.EDIT, actor=actor, summary=GROUND_LINES[reason])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            obj=record,
            categories=["identity", "contact"],
            details={"erasure": reason, "cases": len(cases)}
            | ({"move": move.name} if move is not None else {})
            | ({"referrals_ended": ended} if ended and record.pk == case.pk else {}),
        )
    # Outside the database, so that a restore of an older backup erases these cases again: on disk
    # before the commit, as the last step of the transaction, so that no erasure commits without its
    # line; if it cannot be written, nothing is erased (decisions/0031).
    try:
        erasure_ledger.append(at=now, ground=reason, cases=[each.code for each in cases])
    except erasure_ledger.LedgerWriteError as exc:
        logger.error("Erasure of case %s refused: %s", case.code, exc)
        raise ErasureNotRecorded(
            _("The erasure could not be written to the erasure ledger, so nothing was erased. Tell the administrator.")
        ) from exc
    return Case.objects.get(pk=case.pk)  # not the copy in memory, which still holds what was erased


@transaction.atomic
def erasure_move(*, actor: User, case: Case, move: str, reason: str = "") -> Case:
    """Asks for, confirms or declines the erasure of a returnee's identifying data."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if actor.agency_id != case.agency_id:
        raise PermissionDenied
    step = ERASURE.check(
        erasure_state(case), move, erasure_parties(actor, case), reason=reason, record=case, actor=actor
    )
    reason = step.kept_reason(reason)
    raise_if(value_problems("reason", reason, REASON))
    if step.name == "confirm":
        return returnee_erase(actor=actor, case=case, reason=REQUEST, move=step)
    line = {
        "request": gettext_noop("Erasure of the identifying data requested."),
        "decline": gettext_noop("Erasure not confirmed."),
    }[step.name]
    # The request's words stay out of the timeline and the log: they may name the person.
    record_move(
        case,
        step,
        case=case,
        actor=actor,
        state_field=None,
        reason=reason,
        line=Line(summary=line),
        audit_categories=["case"],
        audit_details={},
    )
    return case
