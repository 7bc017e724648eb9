"""Writes to cases: intake, edits, history, return, consent, notes, tasks, stages and closure.

Each service is atomic, validates everything before writing anything, appends to the case's
timeline and to the audit log.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, Role, User
from reintegra.lib import crypto
from reintegra.lib.concurrency import check_version
from reintegra.lib.phrases import country, day, label
from reintegra.lib.validation import check_choices, check_countries, check_not_future, check_text, raise_if
from reintegra.lib.validators import validate_currency
from reintegra.network.choices import AgencyType
from reintegra.network.models import Agency

from . import reactions
from .choices import (
    ConsentPurpose,
    ControlMeans,
    DataCategory,
    Education,
    Exploitation,
    Gender,
    HistoryType,
    Industry,
    MaritalStatus,
    RecruiterRelation,
    RecruitmentMethod,
    ReturnType,
    Stage,
    TraffickingStatus,
)
from .models import Case, CaseEvent, Consent, HistoryEvent, PhoneIndex, Returnee, ReturnJourney, new_case_code
from .timeline import timeline_write
from .transitions import Line, record_move
from .workflows import CASE_STAGE, CLOSURE, closure_state, parties_of, stage_move_name

IDENTITY_FIELDS = ("given_name", "family_name", "other_names", "birth_date", "identity_documents")
CONTACT_FIELDS = ("phones", "email", "address")
PROFILE_FIELDS = (
    "gender",
    "age_at_intake",
    "citizenships",
    "languages",
    "education",
    "marital_status",
    "children",
    "trafficking_status",
    "trafficking_status_decided_by",
)
RETURNEE_FIELDS = IDENTITY_FIELDS + CONTACT_FIELDS + PROFILE_FIELDS
MAX_PHONES = 5


def _check_returnee(fields: dict[str, Any], errors: dict[str, Any]) -> None:
    if "given_name" in fields and not (fields.get("given_name") or "").strip():
        errors["given_name"] = _("Give at least a given name (or the name the person uses).")
    for name in ("given_name", "family_name", "other_names", "email", "address"):
        check_text(name, fields.get(name), errors, max_length=500)
    if "gender" in fields:
        check_choices("gender", [fields["gender"]], Gender.values, errors)
    if fields.get("education"):
        check_choices("education", [fields["education"]], Education.values, errors)
    if fields.get("marital_status"):
        check_choices("marital_status", [fields["marital_status"]], MaritalStatus.values, errors)
    if fields.get("trafficking_status"):
        check_choices("trafficking_status", [fields["trafficking_status"]], TraffickingStatus.values, errors)
    check_countries("citizenships", fields.get("citizenships") or [], errors)
    phones = fields.get("phones") or []
    if len(phones) > MAX_PHONES:
        errors["phones"] = _("At most %(n)s phone numbers.") % {"n": MAX_PHONES}
    elif any(not crypto.phone_key(p) for p in phones):
        errors["phones"] = _("A phone number needs at least 7 digits.")
    check_not_future("birth_date", fields.get("birth_date"), errors)
    age = fields.get("age_at_intake")
    if age is not None and not 0 <= int(age) <= 120:
        errors["age_at_intake"] = _("Give an age between 0 and 120.")
    for doc in fields.get("identity_documents") or []:
        if not isinstance(doc, dict) or not str(doc.get("number", "")).strip():
            errors["identity_documents"] = _("Each identity document needs a type and a number.")


def _index_returnee(returnee: Returnee) -> None:
    key = crypto.name_key(returnee.given_name, returnee.family_name)
    returnee.name_index = crypto.blind_index(key, kind="name")
    returnee.name_year_index = (
        crypto.blind_index(f"{key}|{returnee.birth_date.year}", kind="name-year") if returnee.birth_date else ""
    )


def _index_phones(returnee: Returnee) -> None:
    returnee.phone_index.all().delete()
    keys = {crypto.blind_index(crypto.phone_key(p), kind="phone") for p in returnee.phones if crypto.phone_key(p)}
    PhoneIndex.objects.bulk_create([PhoneIndex(returnee=returnee, key=k) for k in keys])


def possible_duplicates(
    *,
    agency: Agency,
    given_name: str,
    family_name: str = "",
    birth_date: datetime.date | None = None,
    phones: Iterable[str] = (),
) -> dict[str, Any]:
    """Cases whose returnee has the same keyed name and birth year, or the same phone number.

    Matches in the user's own agency are listed; elsewhere, only how many and which agencies, so
    the caseworker can ask them without seeing their records.
    """
    key = crypto.name_key(given_name, family_name)
    phone_keys = [crypto.blind_index(crypto.phone_key(p), kind="phone") for p in phones if crypto.phone_key(p)]
    returnees = Returnee.objects.none()
    if birth_date and key:
        returnees |= Returnee.objects.filter(
            name_year_index=crypto.blind_index(f"{key}|{birth_date.year}", kind="name-year")
        )
    if phone_keys:
        returnees |= Returnee.objects.filter(phone_index__key__in=phone_keys)
    cases = Case.objects.filter(returnee__in=returnees.values("pk")).select_related("agency").distinct()
    own = [c for c in cases if c.agency_id == agency.pk]
    elsewhere = sorted({c.agency.name for c in cases if c.agency_id != agency.pk})
    return {"own": own, "elsewhere": elsewhere}


@transaction.atomic
def case_open(
    *,
    actor: User,
    stage: str = Stage.IDENTIFICATION,
    notes: str = "",
    opened_at: datetime.datetime | None = None,
    **returnee_fields: Any,
) -> Case:
    if actor.role not in (Role.CASEWORKER, Role.SUPERVISOR) or actor.agency is None:
        raise PermissionDenied
    fields = {k: v for k, v in returnee_fields.items() if k in RETURNEE_FIELDS}
    fields.setdefault("gender", Gender.UNKNOWN)
    errors: dict[str, Any] = {}
    _check_returnee(fields | {"given_name": fields.get("given_name", "")}, errors)
    check_choices("stage", [stage], [s for s in Stage.values if s != Stage.CLOSED], errors)
    check_text("notes", notes, errors)
    raise_if(errors)
    returnee = Returnee(**fields)
    _index_returnee(returnee)
    returnee.save()
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
                    opened_at=opened_at or timezone.now(),
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
def case_update(*, actor: User, case: Case, version: int | None, **fields: Any) -> Case:
    """Edits the returnee's record and the case summary; refuses a stale version."""
    case = Case.objects.select_for_update().select_related("returnee").get(pk=case.pk)
    returnee = case.returnee
    submitted = {k: v for k, v in fields.items() if k in RETURNEE_FIELDS}
    current = {k: getattr(returnee, k) for k in submitted}
    check_version(case, expected_version=version, submitted=submitted, fields=RETURNEE_FIELDS, values_from=returnee)
    errors: dict[str, Any] = {}
    _check_returnee(submitted, errors)
    if "notes" in fields:
        check_text("notes", fields["notes"], errors)
    journey = ReturnJourney.objects.filter(case=case).first()
    if journey and submitted.get("birth_date") and submitted["birth_date"] > journey.returned_on:
        errors["birth_date"] = _("The birth date is after the return (%(date)s).") % {"date": journey.returned_on}
    raise_if(errors)
    for key, value in submitted.items():
        setattr(returnee, key, value)
    _index_returnee(returnee)
    returnee.save()
    if "phones" in submitted:
        _index_phones(returnee)
    update_fields = ["version", "updated_at"]
    if "notes" in fields:
        case.notes = fields["notes"]
        update_fields.append("notes")
    case.version += 1
    case.save(update_fields=update_fields)
    changed = sorted(k for k in submitted if current[k] != submitted[k]) + (["notes"] if "notes" in fields else [])
    categories = {"identity" for k in changed if k in IDENTITY_FIELDS} | {
        "contact" for k in changed if k in CONTACT_FIELDS
    }
    categories |= {"profile" for k in changed if k in PROFILE_FIELDS}
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
    check_version(case, expected_version=version, submitted={"stage": stage}, fields=["stage"])
    errors: dict[str, Any] = {}
    check_choices("stage", [stage], Stage.values, errors)
    raise_if(errors)
    if stage == Stage.CLOSED:
        raise ValidationError({"stage": _("A case is closed through a closure request and a supervisor's approval.")})
    if case.stage == Stage.CLOSED:
        raise ValidationError({"stage": _("The case is closed: reopen it first.")})
    reason = reason.strip()
    move = CASE_STAGE.check(case.stage, stage_move_name(case.stage, stage), parties_of(actor, case), reason=reason)
    check_text("reason", reason, errors, max_length=1000)
    raise_if(errors)
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


def _money(amount: Any, currency: str, field: str, errors: dict[str, Any]) -> None:
    if amount in (None, ""):
        return
    if Decimal(str(amount)) < 0:
        errors[field] = _("An amount cannot be negative.")
    if not currency:
        errors[f"{field.rsplit('_', 1)[0]}_currency"] = _("Give the currency of the amount.")
    else:
        try:
            validate_currency(currency)
        except ValidationError as exc:
            errors[f"{field.rsplit('_', 1)[0]}_currency"] = exc.messages[0]


@transaction.atomic
def history_add(*, actor: User, case: Case, **fields: Any) -> HistoryEvent:
    errors: dict[str, Any] = {}
    check_choices("type", [str(fields.get("type", ""))], HistoryType.values, errors)
    check_countries("country", [fields.get("country", "")], errors)
    check_choices("recruitment_methods", fields.get("recruitment_methods") or [], RecruitmentMethod.values, errors)
    if fields.get("recruiter_relation"):
        check_choices("recruiter_relation", [fields["recruiter_relation"]], RecruiterRelation.values, errors)
    check_choices("exploitation_types", fields.get("exploitation_types") or [], Exploitation.values, errors)
    if fields.get("industry"):
        check_choices("industry", [fields["industry"]], Industry.values, errors)
    check_choices("control_means", fields.get("control_means") or [], ControlMeans.values, errors)
    check_text("area", fields.get("area"), errors, max_length=120)
    check_text("creditor", fields.get("creditor"), errors, max_length=120)
    started, ended = fields.get("started_on"), fields.get("ended_on")
    check_not_future("started_on", started, errors)
    check_not_future("ended_on", ended, errors)
    if started and ended and ended < started:
        errors["ended_on"] = _("The end is before the start.")
    birth = case.returnee.birth_date
    if birth and started and started < birth:
        errors["started_on"] = _("This is before the person's birth (%(date)s).") % {"date": birth}
    _money(fields.get("debt_amount"), fields.get("debt_currency", ""), "debt_amount", errors)
    raise_if(errors)
    allowed = {f.name for f in HistoryEvent._meta.get_fields()} - {"id", "case"}
    event = HistoryEvent.objects.create(case=case, **{k: v for k, v in fields.items() if k in allowed})
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        category=DataCategory.HISTORY,
        summary=gettext_noop("%(type)s recorded: %(country)s."),
        params={"type": label("history_type", event.type), "country": country(event.country)},
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=event, categories=["history"], details={"case": case.code}
    )
    return event


@transaction.atomic
def return_record(
    *, actor: User, case: Case, assisting_agencies: Iterable[Agency] = (), **fields: Any
) -> ReturnJourney:
    errors: dict[str, Any] = {}
    check_countries("country_from", [fields.get("country_from", "")], errors)
    check_choices("return_type", [str(fields.get("return_type", ""))], ReturnType.values, errors)
    returned_on = fields.get("returned_on")
    if not returned_on:
        errors["returned_on"] = _("Give the date of return.")
    check_not_future("returned_on", returned_on, errors)
    birth = case.returnee.birth_date
    if birth and returned_on and returned_on < birth:
        errors["returned_on"] = _("The return is before the person's birth (%(date)s).") % {"date": birth}
    check_text("documents_issued", fields.get("documents_issued"), errors, max_length=300)
    check_text("point_of_arrival", fields.get("point_of_arrival"), errors, max_length=120)
    raise_if(errors)
    allowed = ("country_from", "returned_on", "return_type", "documents_issued", "point_of_arrival")
    journey, _created = ReturnJourney.objects.update_or_create(
        case=case, defaults={k: v for k, v in fields.items() if k in allowed}
    )
    journey.assisting_agencies.set(list(assisting_agencies))
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        category=DataCategory.RETURN,
        summary=gettext_noop("Return recorded: %(type)s from %(country)s on %(date)s."),
        params={
            "type": label("return_type", journey.return_type),
            "country": country(journey.country_from),
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
    categories = sorted(set(categories))
    errors: dict[str, Any] = {}
    check_choices("purpose", [purpose], ConsentPurpose.values, errors)
    check_choices("categories", categories, DataCategory.values, errors)
    check_not_future("given_on", given_on, errors)
    if not language:
        errors["language"] = _("Record the language in which consent was explained.")
    if purpose == ConsentPurpose.SHARING:
        if not recipient_agency and not recipient_agency_type:
            errors["recipient_agency"] = _("Name the agency, or the type of agency, the data may be shared with.")
        if recipient_agency_type:
            check_choices("recipient_agency_type", [recipient_agency_type], AgencyType.values, errors)
        if not categories:
            errors["categories"] = _("Choose the data that may be shared.")
    raise_if(errors)
    consent = Consent.objects.create(
        case=case,
        purpose=purpose,
        given_on=given_on,
        language=language,
        explained_by=actor,
        recipient_agency=recipient_agency,
        recipient_agency_type=recipient_agency_type,
        categories=categories,
    )
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
        details={"case": case.code, "purpose": purpose, "categories": categories},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent) -> Consent:
    """Takes effect at once: what rested on this consent ends with it (the referrals app revokes
    its referrals, through the consent_withdrawn reaction)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at:
        raise ValidationError(_("This consent was already withdrawn."))
    consent.withdrawn_at = timezone.now()
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
    errors: dict[str, Any] = {}
    if not text.strip():
        errors["text"] = _("Write the note.")
    check_text("text", text, errors)
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


@transaction.atomic
def closure_move(*, actor: User, case: Case, move: str, reason: str = "") -> Case:
    """Asks for, decides on, or undoes the closure of a case (cases/workflows.py: CLOSURE)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    reason = reason.strip()
    step = CLOSURE.check(closure_state(case), move, parties_of(actor, case), reason=reason)
    errors: dict[str, Any] = {}
    check_text("reason", reason, errors, max_length=1000)
    raise_if(errors)
    also: tuple[str, ...] = ()
    if step.name == "approve":
        case.stage_before_closure, case.stage = case.stage, Stage.CLOSED
        also = ("stage", "stage_before_closure")
    elif step.name == "reopen":
        case.stage = case.stage_before_closure or Stage.FOLLOW_UP
        also = ("stage",)
    details = {
        "request": {"closure_requested": True},
        "approve": {"closure_approved": True},
        "decline": {"closure_approved": False},
        "reopen": {"reopened": True},
    }[step.name]
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
            summary=CLOSURE_LINES[step.name],
            text=case.closure_reason if step.name == "approve" else reason,
        ),
        audit_categories=["case"],
        audit_details=details,
    )
    return case


PHOTO_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def photo_check_size(size: int) -> None:
    from django.conf import settings
    from django.template.defaultfilters import filesizeformat

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
    import base64

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
