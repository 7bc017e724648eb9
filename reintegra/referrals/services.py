"""Referrals between agencies: sent only under a consent that covers them (or a supervisor's
recorded override), answered by the receiving agency, ended by either side."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, Role, User
from reintegra.cases.choices import (
    ACTIVE_REFERRAL_STATUSES,
    OPEN_REFERRAL_STATUSES,
    ConsentPurpose,
    DataCategory,
    ReferralReason,
    ReferralStatus,
    Urgency,
)
from reintegra.cases.models import Case, CaseEvent, Consent
from reintegra.cases.timeline import label
from reintegra.cases.validation import check_choices, check_text, raise_if
from reintegra.network.models import Agency, Service

from .models import Referral


def consent_covering(*, case: Case, to_agency: Agency, categories: Iterable[str]) -> Consent | None:
    """The newest active sharing consent that names this agency (or its type) and every category."""
    wanted = set(categories)
    consents = case.consents.filter(purpose=ConsentPurpose.SHARING, withdrawn_at__isnull=True).filter(
        Q(recipient_agency=to_agency) | Q(recipient_agency__isnull=True, recipient_agency_type=to_agency.type)
    )
    for consent in consents.order_by("-given_on", "-pk"):
        if wanted <= set(consent.categories):
            return consent
    return None


def _event(
    referral: Referral, *, actor: User, agency: Agency, summary: str, params: dict[str, Any], text: str = ""
) -> None:
    CaseEvent.objects.create(
        case=referral.case,
        at=timezone.now(),
        kind=CaseEvent.Kind.REFERRAL,
        actor=actor,
        agency=agency,
        summary=summary[:300],
        params=params,
        text=text,
    )


def _audit(referral: Referral, *, actor: User, action: str, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=referral,
        categories=["referral"],
        details={"case": referral.case.code, **details},
    )


@transaction.atomic
def referral_send(
    *,
    actor: User,
    case: Case,
    to_agency: Agency,
    service: Service | None = None,
    reasons: Iterable[str] = (),
    reason_text: str = "",
    urgency: str = Urgency.ROUTINE,
    categories: Iterable[str] = (),
    override_reason: str = "",
) -> Referral:
    if actor.agency_id != case.agency_id or actor.role not in (Role.CASEWORKER, Role.SUPERVISOR):
        raise PermissionDenied
    reasons, categories = sorted(set(reasons)), sorted(set(categories))
    errors: dict[str, Any] = {}
    if to_agency.pk == case.agency_id:
        errors["to_agency"] = _("Refer to another agency.")
    if not to_agency.active:
        errors["to_agency"] = _("This agency is not active.")
    if service is not None and service.agency_id != to_agency.pk:
        errors["service"] = _("This service belongs to another agency.")
    if not reasons and not reason_text.strip():
        errors["reasons"] = _("Give the reason for the referral.")
    check_choices("reasons", reasons, ReferralReason.values, errors)
    check_choices("urgency", [urgency], Urgency.values, errors)
    check_choices("categories", categories, DataCategory.values, errors)
    check_text("reason_text", reason_text, errors, max_length=2000)
    check_text("override_reason", override_reason, errors, max_length=1000)
    raise_if(errors)
    consent = consent_covering(case=case, to_agency=to_agency, categories=categories)
    override_by = None
    if consent is None:
        if not override_reason.strip():
            raise ValidationError(
                {
                    "categories": _(
                        "No consent covers sharing these data with %(agency)s. Record the returnee's consent first; "
                        "only a supervisor can send without it, with a recorded reason "
                        "(e.g. a child-protection emergency)."
                    )
                    % {"agency": to_agency.name}
                }
            )
        if actor.role != Role.SUPERVISOR:
            raise ValidationError({"override_reason": _("Only a supervisor can send a referral without consent.")})
        override_by = actor
    referral = Referral.objects.create(
        case=case,
        from_agency=case.agency,
        to_agency=to_agency,
        service=service,
        reasons=reasons,
        reason_text=reason_text,
        urgency=urgency,
        categories=categories,
        consent=consent,
        override_reason=override_reason if override_by else "",
        override_by=override_by,
        sent_by=actor,
        sent_at=timezone.now(),
    )
    summary = (
        gettext_noop("Referral sent to %(agency)s (%(urgency)s), without consent, by supervisor decision.")
        if override_by
        else gettext_noop("Referral sent to %(agency)s (%(urgency)s).")
    )
    params = {"agency": to_agency.name, "urgency": label("urgency", urgency)}
    _event(
        referral,
        actor=actor,
        agency=case.agency,
        summary=summary,
        params=params,
        text=override_reason if override_by else "",
    )
    _audit(
        referral,
        actor=actor,
        action=AuditEvent.Action.CREATE,
        to=to_agency.slug,
        categories=categories,
        override=bool(override_by),
    )
    return referral


def _transition(
    referral: Referral,
    *,
    actor: User,
    allowed_from: Iterable[str],
    to: str,
    side: str,
    reason: str = "",
    reason_required: bool = False,
) -> Referral:
    referral = (
        Referral.objects.select_for_update().select_related("case", "to_agency", "from_agency").get(pk=referral.pk)
    )
    agency_id = referral.to_agency_id if side == "receiver" else referral.from_agency_id
    if actor.agency_id != agency_id:
        raise PermissionDenied
    if referral.status not in allowed_from:
        raise ValidationError(
            _("This referral is %(status)s; it cannot become %(new)s.")
            % {"status": ReferralStatus(referral.status).label, "new": ReferralStatus(to).label}
        )
    errors: dict[str, Any] = {}
    if reason_required and not reason.strip():
        errors["reason"] = _("Give the reason.")
    check_text("reason", reason, errors, max_length=1000)
    raise_if(errors)
    now = timezone.now()
    referral.status = to
    referral.version += 1
    fields = ["status", "version"]
    if reason:
        referral.status_reason = reason
        fields.append("status_reason")
    if to in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED) and referral.responded_at is None:
        referral.responded_at = now
        fields.append("responded_at")
    if to == ReferralStatus.COMPLETED:
        referral.completed_at = now
        fields.append("completed_at")
    if to in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.CANCELLED, ReferralStatus.REVOKED):
        referral.ended_at = now
        fields.append("ended_at")
    referral.save(update_fields=fields)
    agency = referral.to_agency if side == "receiver" else referral.from_agency
    summary = gettext_noop("Referral to %(agency)s: %(status)s.")
    params = {"agency": referral.to_agency.name, "status": label("referral_status", to)}
    _event(referral, actor=actor, agency=agency, summary=summary, params=params, text=reason)
    _audit(referral, actor=actor, action=AuditEvent.Action.UPDATE, status=to)
    return referral


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral) -> Referral:
    return _transition(
        referral, actor=actor, allowed_from=[ReferralStatus.PENDING], to=ReferralStatus.ACCEPTED, side="receiver"
    )


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str) -> Referral:
    return _transition(
        referral,
        actor=actor,
        allowed_from=[ReferralStatus.PENDING],
        to=ReferralStatus.DECLINED,
        side="receiver",
        reason=reason,
        reason_required=True,
    )


@transaction.atomic
def referral_start(*, actor: User, referral: Referral) -> Referral:
    return _transition(
        referral, actor=actor, allowed_from=[ReferralStatus.ACCEPTED], to=ReferralStatus.IN_PROGRESS, side="receiver"
    )


@transaction.atomic
def referral_complete(*, actor: User, referral: Referral, reason: str = "") -> Referral:
    return _transition(
        referral,
        actor=actor,
        allowed_from=ACTIVE_REFERRAL_STATUSES,
        to=ReferralStatus.COMPLETED,
        side="receiver",
        reason=reason,
    )


@transaction.atomic
def referral_cancel(*, actor: User, referral: Referral, reason: str) -> Referral:
    return _transition(
        referral,
        actor=actor,
        allowed_from=[ReferralStatus.PENDING],
        to=ReferralStatus.CANCELLED,
        side="sender",
        reason=reason,
        reason_required=True,
    )


@transaction.atomic
def referral_revoke(*, actor: User, referral: Referral, reason: str) -> Referral:
    return _transition(
        referral,
        actor=actor,
        allowed_from=ACTIVE_REFERRAL_STATUSES,
        to=ReferralStatus.REVOKED,
        side="sender",
        reason=reason,
        reason_required=True,
    )


def referrals_revoke_for_consent(*, actor: User, consent: Consent) -> int:
    """Called when consent is withdrawn: every open referral resting on it ends now."""
    referrals = list(Referral.objects.select_for_update().filter(consent=consent, status__in=OPEN_REFERRAL_STATUSES))
    now = timezone.now()
    for referral in referrals:
        referral.status = ReferralStatus.REVOKED
        referral.status_reason = _("Consent withdrawn.")
        referral.ended_at = now
        referral.version += 1
        referral.save(update_fields=["status", "status_reason", "ended_at", "version"])
        _audit(
            referral,
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            status=ReferralStatus.REVOKED,
            cause="consent_withdrawn",
        )
    return len(referrals)


@transaction.atomic
def referral_record_service(*, actor: User, referral: Referral, text: str) -> CaseEvent:
    """The receiving agency records a service it provided; it appears on the case's timeline."""
    if actor.agency_id != referral.to_agency_id:
        raise PermissionDenied
    if referral.status not in ACTIVE_REFERRAL_STATUSES:
        raise ValidationError(_("Services are recorded while the referral is accepted or in progress."))
    errors: dict[str, Any] = {}
    if not text.strip():
        errors["text"] = _("Describe the service provided.")
    check_text("text", text, errors)
    raise_if(errors)
    event = CaseEvent.objects.create(
        case=referral.case,
        at=timezone.now(),
        kind=CaseEvent.Kind.SERVICE,
        actor=actor,
        agency=referral.to_agency,
        summary=gettext_noop("Service provided by %(agency)s."),
        params={"agency": referral.to_agency.name},
        text=text,
    )
    _audit(referral, actor=actor, action=AuditEvent.Action.CREATE, service_recorded=True)
    return event
