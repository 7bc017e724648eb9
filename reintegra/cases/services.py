"""Writes to cases: intake, edits, history, return, consent, notes, tasks, stages and closure.

Each service is atomic, validates everything before writing anything, appends to the case's
timeline and to the audit log.
"""

import base64
import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import CASE_OWNER_ROLES, AuditEvent, User
from reintegra.lib import clock, crypto, geo
from reintegra.lib.concurrency import check_version
from reintegra.lib.dates import show_day
from reintegra.lib.phrases import country as country_phrase
from reintegra.lib.phrases import day, label
from reintegra.lib.validation import add, raise_if, record_problems, value_problems
from reintegra.lib.validators import REASON
from reintegra.network.models import Agency

from . import reactions
from .choices import ClosureReason, DataCategory, Gender, Stage
from .closure import reason_of_words
from .models import (
    Case,
    CaseEvent,
    Consent,
    HistoryEvent,
    NameWordIndex,
    PhoneIndex,
    Remigration,
    Returnee,
    ReturnJourney,
    new_case_code,
)
from .timeline import timeline_write
from .transitions import Line, record_move, refuse_if_erased
from .workflows import CASE_STAGE, CLOSURE, OWNER, SUPERVISOR, closure_state, parties_of, stage_move_name

Errors = dict[str, list[Any]]


class ReturneeChanges(TypedDict, total=False):
    """An edit of the returnee's record: the fields given are changed, the others left as they are
    (a key set to None or "" clears the field). Its keys are `Returnee.FIELDS`."""

    given_name: str
    family_name: str
    other_names: str
    birth_date: datetime.date | None
    identity_documents: Sequence[Mapping[str, str]]
    phones: Sequence[str]
    email: str
    address: str
    gender: str
    age_at_intake: int | None
    citizenships: Sequence[str]
    home_area: str
    languages: Sequence[str]
    education: str
    marital_status: str
    children: int | None
    trafficking_status: str
    trafficking_status_decided_by: Agency | None


def _index_returnee(returnee: Returnee) -> None:
    key = crypto.name_key(returnee.given_name, returnee.family_name)
    returnee.name_index = crypto.blind_index(key, kind="name")
    returnee.name_year_index = (
        crypto.blind_index(f"{key}|{returnee.birth_date.year}", kind="name-year") if returnee.birth_date else ""
    )
    returnee.name_birth_index = name_birth_index(key, returnee.birth_date) if returnee.birth_date else ""


def name_birth_index(key: str, birth_date: datetime.date) -> str:
    """The keyed hash of a name key (`crypto.name_key`) with the whole birth date: what the duplicate
    check matches across agencies (decisions/0022; migration cases/0009 computes the same)."""
    return crypto.blind_index(f"{key}|{birth_date.isoformat()}", kind="name-birth")


NAME_FIELDS = ("given_name", "family_name", "other_names")


def _index_name_words(returnee: Returnee) -> None:
    """The keyed hashes of the words of every name the person goes by, for search by part of a
    name (decisions/0017); written after the returnee is saved."""
    returnee.name_words.all().delete()
    NameWordIndex.objects.bulk_create([NameWordIndex(returnee=returnee, key=k) for k in name_word_keys(returnee)])


def _index_phones(returnee: Returnee) -> None:
    returnee.phone_index.all().delete()
    PhoneIndex.objects.bulk_create([PhoneIndex(returnee=returnee, key=k) for k in phone_keys(returnee)])


# For a writer of many returnees at once (the HTCDS import, exchange/htcds.py): the same keys as
# one intake writes, computed here once.
def returnee_index(returnee: Returnee) -> None:
    """Sets the returnee's name blind indexes, before it is saved."""
    _index_returnee(returnee)


def name_word_keys(returnee: Returnee) -> list[str]:
    return sorted(crypto.name_word_keys(*(getattr(returnee, f) for f in NAME_FIELDS)))


def phone_keys(returnee: Returnee) -> list[str]:
    return sorted(
        {crypto.blind_index(crypto.phone_key(p), kind="phone") for p in returnee.phones if crypto.phone_key(p)}
    )


def _area_code(value: str | None) -> str:
    return str(value or "").strip().upper()


def _check_home_area(errors: Errors, returnee: Returnee, *, agency_country: str) -> None:
    """The home area lies in the agency's country or in a country of the person's citizenship: the
    figures by area of origin count people where they come home to. A code that is no area at all
    is the field's own rule (already in `errors`)."""
    area = geo.area_get(returnee.home_area) if returnee.home_area and "home_area" not in errors else None
    countries = list(dict.fromkeys([agency_country, *returnee.citizenships]))
    if area is None or area.country in countries:
        return
    message = _(
        "“%(code)s” (%(area)s) is not an area of %(countries)s, the agency's country or the person's citizenship."
    )
    names = ", ".join(geo.country_name(c) for c in countries)
    add(errors, "home_area", message % {"code": area.code, "area": geo.area_name(area.code), "countries": names})


@transaction.atomic
def case_open(
    *,
    actor: User,
    stage: str = Stage.IDENTIFICATION,
    notes: str = "",
    opened_at: datetime.datetime | None = None,
    given_name: str,
    family_name: str = "",
    other_names: str = "",
    birth_date: datetime.date | None = None,
    identity_documents: Sequence[Mapping[str, str]] = (),
    phones: Sequence[str] = (),
    email: str = "",
    address: str = "",
    gender: str = Gender.UNKNOWN,
    age_at_intake: int | None = None,
    citizenships: Sequence[str] = (),
    home_area: str = "",
    languages: Sequence[str] = (),
    education: str = "",
    marital_status: str = "",
    children: int | None = None,
    trafficking_status: str = "",
    trafficking_status_decided_by: Agency | None = None,
) -> Case:
    if actor.role not in CASE_OWNER_ROLES or actor.agency is None:  # the opener keeps the case
        raise PermissionDenied
    returnee = Returnee(
        given_name=given_name,
        family_name=family_name,
        other_names=other_names,
        birth_date=birth_date,
        identity_documents=[dict(d) for d in identity_documents],
        phones=list(phones),
        email=email,
        address=address,
        gender=gender,
        age_at_intake=age_at_intake,
        citizenships=list(citizenships),
        home_area=_area_code(home_area),
        languages=list(languages),
        education=education,
        marital_status=marital_status,
        children=children,
        trafficking_status=trafficking_status,
        trafficking_status_decided_by=trafficking_status_decided_by,
    )
    errors = record_problems(returnee, only=Returnee.FIELDS)
    _check_home_area(errors, returnee, agency_country=actor.agency.country)
    errors |= record_problems(Case(stage=stage, notes=notes), only=("stage", "notes"))
    if stage == Stage.CLOSED:  # a case is closed by a supervisor's approval, never opened closed
        add(errors, "stage", _("Unknown value(s): %(values)s.") % {"values": stage})
    raise_if(errors)
    _index_returnee(returnee)
    returnee.save()
    _index_name_words(returnee)
    _index_phones(returnee)
    agency = actor.agency
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    code=new_case_code(agency.country),
                    returnee=returnee,
                    agency=agency,
                    caseworker=actor,
                    stage=stage,
                    notes=notes,
                    opened_at=opened_at or clock.now(),
                )
            break
        except IntegrityError:  # a code collision: draw again
            continue
    else:
        raise RuntimeError("Could not draw a unique case code.")
    timeline_write(
        case,
        kind=CaseEvent.Kind.OPENED,
        actor=actor,
        summary=gettext_noop("Case opened at stage %(stage)s."),
        params={"stage": label("stage", stage)},
        at=case.opened_at,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=case,
        categories=["identity", "contact", "profile"],
        details={"code": case.code},
    )
    return case


@transaction.atomic
def case_update(
    *, actor: User, case: Case, version: int | None, notes: str | None = None, **changes: Unpack[ReturneeChanges]
) -> Case:
    """Edits the returnee's record (the fields given) and the case summary (when given); refuses a
    stale version."""
    case = Case.objects.select_for_update().select_related("returnee").get(pk=case.pk)
    refuse_if_erased(case)
    returnee = case.returnee
    submitted: dict[str, Any] = {k: v for k, v in changes.items() if k in Returnee.FIELDS}
    if "home_area" in submitted:
        submitted["home_area"] = _area_code(submitted["home_area"])
    current = {k: getattr(returnee, k) for k in submitted}
    check_version(case, expected_version=version, submitted=submitted, fields=Returnee.FIELDS, values_from=returnee)
    for key, value in submitted.items():
        setattr(returnee, key, list(value) if isinstance(value, tuple) else value)
    errors = record_problems(returnee, only=submitted)
    if "home_area" in submitted and submitted["home_area"] != current["home_area"]:
        # Checked when it changes: an area recorded before stays when a citizenship is edited.
        _check_home_area(errors, returnee, agency_country=case.agency.country)
    if notes is not None:
        case.notes = notes
        errors |= record_problems(case, only=("notes",))
    journey = ReturnJourney.objects.filter(case=case).first()
    if journey and submitted.get("birth_date") and submitted["birth_date"] > journey.returned_on:
        message = _("The birth date is after the return (%(date)s).")
        add(errors, "birth_date", message % {"date": show_day(journey.returned_on)})
    raise_if(errors)
    _index_returnee(returnee)
    returnee.save()
    if any(f in submitted for f in NAME_FIELDS):
        _index_name_words(returnee)
    if "phones" in submitted:
        _index_phones(returnee)
    update_fields = ["version", "updated_at"]
    if notes is not None:
        update_fields.append("notes")
    case.version += 1
    case.save(update_fields=update_fields)
    changed = sorted(k for k in submitted if current[k] != getattr(returnee, k)) + (
        ["notes"] if notes is not None else []
    )
    categories = {"identity" for k in changed if k in Returnee.IDENTITY_FIELDS}
    categories |= {"contact" for k in changed if k in Returnee.CONTACT_FIELDS}
    categories |= {"profile" for k in changed if k in Returnee.PROFILE_FIELDS}
    timeline_write(case, kind=CaseEvent.Kind.EDIT, actor=actor, summary=gettext_noop("Record updated."))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=case,
        categories=sorted(categories) or ["case"],
        details={"changed": changed, "version": case.version},
    )
    return case


@transaction.atomic
def case_set_stage(*, actor: User, case: Case, stage: str, version: int | None, reason: str = "") -> Case:
    """Moves the case to `stage`, forward or (with a reason) back; see cases/workflows.py."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    refuse_if_erased(case)
    check_version(case, expected_version=version, submitted={"stage": stage}, fields=["stage"])
    raise_if(record_problems(Case(stage=stage), only=("stage",)))
    if stage == Stage.CLOSED:
        raise ValidationError({"stage": _("A case is closed through a closure request and a supervisor's approval.")})
    if case.stage == Stage.CLOSED:
        raise ValidationError({"stage": _("The case is closed: reopen it first.")})
    if stage == case.stage:
        raise ValidationError({"stage": _("The case is already at this stage.")})
    move = CASE_STAGE.check(case.stage, stage_move_name(case.stage, stage), parties_of(actor, case), reason=reason)
    reason = move.kept_reason(reason)
    raise_if(value_problems("reason", reason, REASON))
    before = case.stage
    record_move(
        case,
        move,
        case=case,
        actor=actor,
        state_field="stage",
        line=Line(
            kind=CaseEvent.Kind.STAGE,
            summary=gettext_noop("Stage: %(old)s → %(new)s."),
            params={"old": label("stage", before), "new": label("stage", stage)},
            text=reason,
        ),
        audit_categories=["case"],
        audit_details={"stage": [before, stage]},
    )
    return case


def _before_birth(case: Case, field: str, date: datetime.date | None, message: str, errors: Errors) -> None:
    birth = case.returnee.birth_date
    if birth and date and date < birth:
        add(errors, field, message % {"date": show_day(birth)})


@transaction.atomic
def history_add(
    *,
    actor: User,
    case: Case,
    type: str,
    country: str,
    area: str = "",
    started_on: datetime.date | None = None,
    ended_on: datetime.date | None = None,
    recruitment_methods: Sequence[str] = (),
    recruiter_relation: str = "",
    exploitation_types: Sequence[str] = (),
    industry: str = "",
    control_means: Sequence[str] = (),
    duration_months: int | None = None,
    debt_amount: Decimal | None = None,
    debt_currency: str = "",
    creditor: str = "",
) -> HistoryEvent:
    refuse_if_erased(case)
    event = HistoryEvent(
        case=case,
        type=type,
        country=country,
        area=area,
        started_on=started_on,
        ended_on=ended_on,
        recruitment_methods=list(recruitment_methods),
        recruiter_relation=recruiter_relation,
        exploitation_types=list(exploitation_types),
        industry=industry,
        control_means=list(control_means),
        duration_months=duration_months,
        debt_amount=debt_amount,
        debt_currency=debt_currency,
        creditor=creditor,
    )
    errors = record_problems(event, exclude=("case",))
    _before_birth(case, "started_on", started_on, _("This is before the person's birth (%(date)s)."), errors)
    raise_if(errors)
    event.save()
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        category=DataCategory.HISTORY,
        summary=gettext_noop("%(type)s recorded: %(country)s."),
        params={"type": label("history_type", event.type), "country": country_phrase(event.country)},
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=event, categories=["history"], details={"case": case.code}
    )
    return event


@transaction.atomic
def return_record(
    *,
    actor: User,
    case: Case,
    country_from: str,
    returned_on: datetime.date,
    return_type: str,
    assisting_agencies: Iterable[Agency] = (),
    documents_issued: str | None = None,
    point_of_arrival: str | None = None,
) -> ReturnJourney:
    """Records the return, or replaces the one recorded; the documents and the point of arrival
    stay as they were when not given (None)."""
    refuse_if_erased(case)
    journey = ReturnJourney.objects.filter(case=case).first() or ReturnJourney(case=case)
    journey.country_from, journey.returned_on, journey.return_type = country_from, returned_on, return_type
    if documents_issued is not None:
        journey.documents_issued = documents_issued
    if point_of_arrival is not None:
        journey.point_of_arrival = point_of_arrival
    errors = record_problems(journey, exclude=("case",))
    _before_birth(case, "returned_on", returned_on, _("The return is before the person's birth (%(date)s)."), errors)
    raise_if(errors)
    journey.save()
    journey.assisting_agencies.set(list(assisting_agencies))
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        category=DataCategory.RETURN,
        summary=gettext_noop("Return recorded: %(type)s from %(country)s on %(date)s."),
        params={
            "type": label("return_type", journey.return_type),
            "country": country_phrase(journey.country_from),
            "date": day(journey.returned_on),
        },
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=case,
        categories=["return"],
        details={"return_type": journey.return_type},
    )
    reactions.return_recorded.fire(actor=actor, case=case, returned_on=journey.returned_on)
    return journey


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    purpose: str,
    given_on: datetime.date,
    language: str,
    recipient_agency: Agency | None = None,
    recipient_agency_type: str = "",
    categories: Iterable[str] = (),
) -> Consent:
    refuse_if_erased(case)
    consent = Consent(
        case=case,
        purpose=purpose,
        given_on=given_on,
        language=language,
        explained_by=actor,
        recipient_agency=recipient_agency,
        recipient_agency_type=recipient_agency_type,
        categories=sorted(set(categories)),
    )
    raise_if(record_problems(consent, exclude=("case", "explained_by", "withdrawn_by")))
    consent.save()
    timeline_write(
        case,
        kind=CaseEvent.Kind.CONSENT,
        actor=actor,
        summary=gettext_noop("Consent recorded: %(purpose)s."),
        params={"purpose": label("consent_purpose", purpose)},
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=consent,
        categories=["consent"],
        details={"case": case.code, "purpose": purpose, "categories": consent.categories},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent) -> Consent:
    """Takes effect at once: what rested on this consent ends with it (the referrals app revokes
    its referrals, through the consent_withdrawn reaction)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at:
        raise ValidationError(_("This consent was already withdrawn."))
    consent.withdrawn_at = clock.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    revoked = sum(reactions.consent_withdrawn.fire(actor=actor, consent=consent))
    timeline_write(
        consent.case,
        kind=CaseEvent.Kind.CONSENT_WITHDRAWN,
        actor=actor,
        summary=gettext_noop("Consent withdrawn: %(purpose)s. %(n)s referral(s) revoked."),
        params={"purpose": label("consent_purpose", consent.purpose), "n": revoked},
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=consent,
        categories=["consent"],
        details={"withdrawn": True, "referrals_revoked": revoked},
    )
    return consent


@transaction.atomic
def note_add(*, actor: User, case: Case, text: str) -> CaseEvent:
    refuse_if_erased(case)
    errors = record_problems(CaseEvent(text=text), only=("text",))
    if not text.strip():
        errors["text"] = [_("Write the note.")]
    raise_if(errors)
    assert actor.agency is not None  # noqa: S101
    event = timeline_write(
        case,
        kind=CaseEvent.Kind.NOTE,
        actor=actor,
        agency=actor.agency,
        summary=gettext_noop("Note"),
        text=text,
        category=DataCategory.NOTES,
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=event, categories=["notes"], details={"case": case.code}
    )
    return event


CLOSURE_LINES = {
    "request": gettext_noop("Closure requested."),
    "approve": gettext_noop("Closure approved."),
    "decline": gettext_noop("Closure not approved."),
    "reopen": gettext_noop("Case reopened."),
}
# The lines of a closure whose reason is recorded (choices.ClosureReason).
CLOSURE_LINES_WITH_REASON = {
    "request": gettext_noop("Closure requested: %(reason)s."),
    "approve": gettext_noop("Closure approved: %(reason)s."),
    "close_lost_contact": gettext_noop("Closed by a supervisor: %(reason)s."),
}
REMIGRATION_LINES = {
    True: gettext_noop("Moved abroad again, to %(country)s (regular channels)."),
    False: gettext_noop("Moved abroad again, to %(country)s (not through regular channels)."),
    None: gettext_noop("Moved abroad again, to %(country)s."),
}


class RemigrationFields(TypedDict, total=False):
    """What is recorded of a move abroad: the destination country, whether through regular channels
    (None: not known), and the day of leaving if known."""

    country: str
    regular: bool | None
    left_on: datetime.date | None


def _remigration_add(*, actor: User, case: Case, fields: RemigrationFields) -> Remigration:
    remigration = Remigration(
        case=case,
        country=(fields.get("country") or "").upper(),
        regular=fields.get("regular"),
        left_on=fields.get("left_on"),
        recorded_by=actor,
    )
    raise_if(record_problems(remigration, exclude=["case", "recorded_by"]))
    remigration.save()
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        summary=REMIGRATION_LINES[remigration.regular],
        params={"country": country_phrase(remigration.country)},
        category=DataCategory.HISTORY,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=remigration,
        categories=["history"],
        details={"case": case.code, "remigration": True},
    )
    return remigration


@transaction.atomic
def remigration_record(*, actor: User, case: Case, **fields: Unpack[RemigrationFields]) -> Remigration:
    """Records that the returnee moved abroad again, without closing the case (an owner of the case)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    refuse_if_erased(case)
    if OWNER not in parties_of(actor, case):
        raise PermissionDenied(_("Only the case's own agency records this."))
    if case.stage == Stage.CLOSED:
        raise ValidationError(_("The case is closed: reopen it first."))
    return _remigration_add(actor=actor, case=case, fields=fields)


def _closure_code(case: Case, code: str | None, reason: str, remigration: RemigrationFields | None) -> str:
    """The reason code of a closure request, checked: one of ClosureReason; a move abroad is recorded,
    or given now. A caller that gives words only (code None: the demo, older scripts) gets the reason
    the words name, or none, as the closures recorded before reasons were (migration 0015)."""
    if code is None:
        code = reason_of_words(reason)
        if not code:
            return ""
    if code not in ClosureReason.values:
        raise ValidationError({"reason_code": _("Choose why the case is closed.")})
    if code == ClosureReason.REMIGRATED and not remigration and not case.remigrations.exists():
        raise ValidationError({"country": _("Say to which country the returnee moved.")})
    return code


@transaction.atomic
def closure_move(
    *,
    actor: User,
    case: Case,
    move: str,
    reason: str = "",
    code: str | None = None,
    remigration: RemigrationFields | None = None,
    lost_contact_words: str = "",
) -> Case:
    """Asks for, decides on, or undoes the closure of a case (cases/workflows.py: CLOSURE). A request
    says why with `code` (choices.ClosureReason) and words; a request as re-migrated records the move
    abroad given in `remigration` unless one is recorded. `close_lost_contact` is made only by
    plans.lost_contact.lost_contact_close, which has counted the missed follow-ups (`lost_contact_words`)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    step = CLOSURE.check(closure_state(case), move, parties_of(actor, case), reason=reason, record=case, actor=actor)
    reason = step.kept_reason(reason)
    raise_if(value_problems("reason", reason, REASON))
    also: tuple[str, ...] = ()
    if step.name == "request":
        case.closure_code = _closure_code(case, code, reason, remigration)
        case.closure_index = None
        also = ("closure_code", "closure_index")
        if case.closure_code == ClosureReason.REMIGRATED and remigration:
            _remigration_add(actor=actor, case=case, fields=remigration)
    elif step.name in ("approve", "close_lost_contact"):
        if step.name == "close_lost_contact":
            case.closure_code, case.closure_reason = ClosureReason.LOST_CONTACT, lost_contact_words
        case.stage_before_closure, case.stage = case.stage, Stage.CLOSED
        if case.closure_code == ClosureReason.REINTEGRATED:
            # The index as it stands today: a later assessment of a reopened case does not rewrite it.
            case.closure_index = next((i for i in reactions.closure_index.fire(case=case) if i is not None), None)
        also = ("stage", "stage_before_closure", "closure_code", "closure_reason", "closure_index")
    elif step.name == "reopen":
        case.stage = case.stage_before_closure or Stage.FOLLOW_UP
        case.closure_code, case.closure_index = "", None
        also = ("stage", "closure_code", "closure_index")
    every: dict[str, dict[str, Any]] = {
        "request": {"closure_requested": True, "closure_code": case.closure_code},
        "approve": {"closure_approved": True, "closure_code": case.closure_code},
        "decline": {"closure_approved": False},
        "reopen": {"reopened": True},
        "close_lost_contact": {"closure_approved": True, "closure_code": case.closure_code},
    }
    details = every[step.name]
    if case.stage == Stage.CLOSED and step.name != "reopen":
        # The agency's work is done: no other agency keeps reading the case.
        details["referrals_ended"] = sum(reactions.case_closed.fire(actor=actor, case=case))
    record_move(
        case,
        step,
        case=case,
        actor=actor,
        state_field=None,
        reason=reason,
        also=also,
        line=Line(
            kind=CaseEvent.Kind.CLOSURE,
            summary=(
                CLOSURE_LINES_WITH_REASON[step.name]
                if case.closure_code and step.name in CLOSURE_LINES_WITH_REASON
                else CLOSURE_LINES[step.name]
            ),
            params={"reason": label("closure_reason", case.closure_code)}
            if case.closure_code and step.name in CLOSURE_LINES_WITH_REASON
            else {},
            text=case.closure_reason if step.name in ("approve", "close_lost_contact") else reason,
        ),
        audit_categories=["case"],
        audit_details=details,
    )
    return case


@transaction.atomic
def contact_restore(*, actor: User, case: Case) -> Case:
    """A supervisor of the case's agency says contact with the returnee is restored: the follow-ups
    due until today no longer count as missed (plans/lost_contact.py dismisses its alert with it)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    refuse_if_erased(case)
    if SUPERVISOR not in parties_of(actor, case):
        raise PermissionDenied(_("Only a supervisor of the case's agency does this."))
    if case.stage == Stage.CLOSED:
        raise ValidationError(_("The case is closed: reopen it first."))
    case.contact_restored_on = clock.today()
    case.version += 1
    case.save(update_fields=["contact_restored_on", "version", "updated_at"])
    timeline_write(case, kind=CaseEvent.Kind.EDIT, actor=actor, summary=gettext_noop("Contact restored."))
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=case, categories=["case"], details={"contact_restored": True}
    )
    return case


PHOTO_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def photo_check_size(size: int) -> None:
    limit = settings.MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            {
                "photo": _("The photo is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )


@transaction.atomic
def photo_set(*, actor: User, case: Case, data: bytes) -> Case:
    """Stores the returnee's photo, encrypted. JPEG or PNG, at most settings.MAX_UPLOAD_BYTES."""
    refuse_if_erased(case)
    photo_check_size(len(data))
    kind = next((t for sig, t in PHOTO_SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise ValidationError({"photo": _("Upload a JPEG or PNG image.")})
    returnee = case.returnee
    returnee.photo, returnee.photo_type = base64.b64encode(data).decode(), kind
    returnee.save(update_fields=["photo", "photo_type"])
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        summary=gettext_noop("Photo updated."),
        category=DataCategory.IDENTITY,
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=case, categories=["identity"], details={"changed": ["photo"]}
    )
    return case
