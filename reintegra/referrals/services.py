"""Referrals between agencies: sent only under a consent that covers them (or a supervisor's
recorded override), answered by the receiving agency, ended by either side."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import ConsentPurpose
from reintegra.cases.models import Case, CaseEvent, Consent
from reintegra.cases.scope import CaseAccess
from reintegra.cases.timeline import timeline_write
from reintegra.cases.transitions import Line, record_move, refuse_if_erased
from reintegra.lib import clock
from reintegra.lib.phrases import label, names
from reintegra.lib.validation import full_clean_or_raise, raise_if, record_problems, value_problems
from reintegra.lib.validators import REASON
from reintegra.lib.workflow import Move
from reintegra.network.models import Agency, Service

from .choices import ACTIVE_REFERRAL_STATUSES, OPEN_REFERRAL_STATUSES, DeclineReason, Urgency
from .models import Referral
from .reactions import referral_ending
from .workflows import CASE_CLOSURE, CONSENT_WITHDRAWAL, RECEIVER, REFERRAL, parties_of


def _between_agencies(referral: Referral) -> dict[str, Any]:
    """The rules that read other records: the two agencies and the service."""
    errors: dict[str, Any] = {}
    if referral.to_agency_id == referral.from_agency_id:
        errors["to_agency"] = _("Refer to another agency.")
    elif not referral.to_agency.active:
        errors["to_agency"] = _("This agency is not active.")
    if referral.service is not None and referral.service.agency_id != referral.to_agency_id:
        errors["service"] = _("This service belongs to another agency.")
    return errors


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
    timeline_write(
        referral.case,
        kind=CaseEvent.Kind.REFERRAL,
        actor=actor,
        agency=agency,
        summary=summary,
        params=params,
        text=text,
        referred_to=referral.to_agency,
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
    access: CaseAccess,
    to_agency: Agency,
    service: Service | None = None,
    reasons: Iterable[str] = (),
    reason_text: str = "",
    urgency: str = Urgency.ROUTINE,
    categories: Iterable[str] = (),
    override_reason: str = "",
) -> Referral:
    """Sends the case to another agency, under a sharing consent that covers the categories, or
    without one by a supervisor's recorded decision."""
    refuse_if_erased(access.case)
    if not access.own:
        raise PermissionDenied
    case = access.case
    referral = Referral(
        case=case,
        from_agency=case.agency,
        to_agency=to_agency,
        service=service,
        reasons=sorted(set(reasons)),
        reason_text=reason_text,
        urgency=urgency,
        categories=sorted(set(categories)),
        override_reason=override_reason,
        sent_by=actor,
        sent_at=clock.now(),
    )
    problems = _between_agencies(referral)
    full_clean_or_raise(referral, problems, exclude=["consent", "override_by", *problems])
    referral.consent = consent_covering(case=case, to_agency=to_agency, categories=referral.categories)
    if referral.consent is None:
        if not override_reason.strip():
            raise ValidationError(
                {
                    "categories": _(
                        "No consent covers sharing these data with %(agency)s. Record the returnee's consent first; "
                        "only a supervisor can send without it, with a recorded reason "
                        "(e.g. a child-protection emergency)."
                    )
                    % {"agency": to_agency.display_name}
                }
            )
        if not access.is_supervisor:
            raise ValidationError({"override_reason": _("Only a supervisor can send a referral without consent.")})
        referral.override_by = actor
    else:
        referral.override_reason = ""
    referral.save()
    override_by = referral.override_by
    summary = (
        gettext_noop("Referral sent to %(agency)s (%(urgency)s), without consent, by supervisor decision.")
        if override_by
        else gettext_noop("Referral sent to %(agency)s (%(urgency)s).")
    )
    params = {"agency": names(to_agency.names()), "urgency": label("urgency", urgency)}
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
        categories=referral.categories,
        override=bool(override_by),
    )
    return referral


# The moves that end a referral the receiving agency works on: work may still depend on it.
ENDING_MOVES = ("complete", "revoke")


@transaction.atomic
def referral_move(
    *,
    actor: User,
    referral: Referral,
    move: str,
    reason: str = "",
    confirmed: bool = False,
    decline_reason: str = "",
) -> Referral:
    """One step of the referral's workflow (referrals/workflows.py), by the side the table names.
    Ending an active referral on which work still depends (`referral_ending`) needs `confirmed`.
    A decline may give its main reason as a code (`DeclineReason`), which the network's figures count."""
    referral = (
        Referral.objects.select_for_update().select_related("case", "to_agency", "from_agency").get(pk=referral.pk)
    )
    refuse_if_erased(referral.case)
    reason = reason.strip()
    step = REFERRAL.check(referral.status, move, parties_of(actor, referral), reason=reason)
    reason = step.kept_reason(reason)
    _check_reason(reason)
    _check_decline_reason(step, decline_reason)
    kept: list[int] = []
    if step.name in ENDING_MOVES:
        for ids in referral_ending.fire(actor=actor, referral=referral, move=step.name, confirmed=confirmed):
            kept += ids
    details: dict[str, Any] = {"dependent_enrolments": kept} if kept else {}
    also: tuple[str, ...] = ()
    if decline_reason:
        referral.decline_reason = decline_reason
        details["decline_reason"] = decline_reason
        also = ("decline_reason",)
    return _record(referral, step, actor=actor, reason=reason, details=details, also=also)


def _check_decline_reason(step: Move, code: str) -> None:
    if not code:
        return
    if step.name != "decline":
        raise ValidationError({"decline_reason": _("Only a decline gives a reason for declining.")})
    if code not in DeclineReason.values:
        raise ValidationError({"decline_reason": _("Choose one of the reasons listed.")})


def _check_reason(reason: str) -> None:
    """The reason is kept as the referral's status_reason, under the rules of a move's reason."""
    raise_if(value_problems("reason", reason, REASON))


def _record(
    referral: Referral,
    step: Move,
    *,
    actor: User,
    reason: str,
    details: dict[str, Any] | None = None,
    also: tuple[str, ...] = (),
) -> Referral:
    sender = RECEIVER not in step.by
    record_move(
        referral,
        step,
        case=referral.case,
        actor=actor,
        reason=reason,
        line=Line(
            kind=CaseEvent.Kind.REFERRAL,
            agency=referral.from_agency if sender else referral.to_agency,
            summary=gettext_noop("Referral to %(agency)s: %(status)s."),
            params={"agency": names(referral.to_agency.names()), "status": label("referral_status", step.target)},
            text=reason,
            referred_to=referral.to_agency,
        ),
        audit_categories=["referral"],
        audit_details={"case": referral.case.code, "status": step.target, **(details or {})},
        also=also,
    )
    return referral


def referrals_revoke_for_consent(*, actor: User, consent: Consent) -> int:
    """Connected to consent_withdrawn (referrals/apps.py): every open referral resting on the
    consent ends now. Returns how many."""
    referrals = list(
        Referral.objects.select_for_update()
        .select_related("case", "to_agency", "from_agency")
        .filter(consent=consent, status__in=OPEN_REFERRAL_STATUSES)
    )
    for referral in referrals:
        step = REFERRAL.check(referral.status, "consent_withdrawn", {CONSENT_WITHDRAWAL})
        _record(referral, step, actor=actor, reason=_("Consent withdrawn."))
    return len(referrals)


def referrals_end_for_closure(*, actor: User, case: Case) -> int:
    """Connected to case_closed (referrals/apps.py): a closed case is the agency's work done, so
    every referral of the case still open ends now, each with its timeline line and audit record.
    Returns how many."""
    referrals = list(
        Referral.objects.select_for_update()
        .select_related("case", "to_agency", "from_agency")
        .filter(case=case, status__in=OPEN_REFERRAL_STATUSES)
        .order_by("pk")
    )
    for referral in referrals:
        step = REFERRAL.check(referral.status, "case_closed", {CASE_CLOSURE})
        _record(referral, step, actor=actor, reason=_("Case closed."))
    return len(referrals)


@transaction.atomic
def referral_record_service(*, actor: User, referral: Referral, text: str) -> CaseEvent:
    """The receiving agency records a service it provided; it appears on the case's timeline."""
    refuse_if_erased(referral.case)
    if actor.agency_id != referral.to_agency_id:
        raise PermissionDenied
    if referral.status not in ACTIVE_REFERRAL_STATUSES:
        raise ValidationError(_("Services are recorded while the referral is accepted or in progress."))
    errors: dict[str, Any] = {}
    if not text.strip():
        errors["text"] = _("Describe the service provided.")
    errors |= record_problems(CaseEvent(text=text), only=("text",))
    raise_if(errors)
    event = timeline_write(
        referral.case,
        kind=CaseEvent.Kind.SERVICE,
        actor=actor,
        agency=referral.to_agency,
        summary=gettext_noop("Service provided by %(agency)s."),
        params={"agency": names(referral.to_agency.names())},
        text=text,
    )
    _audit(referral, actor=actor, action=AuditEvent.Action.CREATE, service_recorded=True)
    return event
