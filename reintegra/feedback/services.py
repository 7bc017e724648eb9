"""Feedback links and answers (issue 16, "The returnee's feedback").

A link is given by the case's own agency after a completed service; it shows a QR code of a URL with
a random token and a short code to type at /f/. Only hashes are stored; the link works once, until
it expires, and is deleted when used. The answer keeps the provider, the kind of service and the
month, never the case. Wrong tokens and codes are counted per client address (a keyed hash, never
the address itself, in the cache) and refused above a limit in a window.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.models import Case
from reintegra.lib import clock
from reintegra.livelihoods.choices import EnrolmentStatus
from reintegra.livelihoods.models import Enrolment, Placement
from reintegra.network.models import Agency
from reintegra.plans.choices import PlanStatus
from reintegra.plans.models import Plan
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral

from .choices import ServiceKind
from .models import FeedbackAnswer, FeedbackLink

# The short code's alphabet: no 0/O, 1/I/L, 5/S, 8/B, so it is read and typed right on any phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY2345679"
CODE_LENGTH = 8
SITE_LANGUAGES = ("en", "th", "fil")


def _hash(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def normal_code(code: str) -> str:
    """The code as typed (spaces, dashes, lower case) in its stored form."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:32]


@dataclass(frozen=True)
class Source:
    """What a link is about: the case, the provider, the kind of service and the record's id."""

    case: Case
    provider: Agency
    kind: str
    source_id: int


def source_of(record: Referral | Enrolment | Plan, kind: str) -> Source:
    """The source of a link for a record, refused (ValidationError) unless its service is complete."""
    if kind == ServiceKind.REFERRAL and isinstance(record, Referral):
        if record.status != ReferralStatus.COMPLETED:
            raise ValidationError(_("Feedback can be asked for once the referral is completed."))
        return Source(record.case, record.to_agency, kind, record.pk)
    if kind == ServiceKind.TRAINING and isinstance(record, Enrolment):
        if record.status not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.PLACED):
            raise ValidationError(_("Feedback can be asked for once the training is completed."))
        return Source(record.case, record.opportunity.provider, kind, record.pk)
    if kind == ServiceKind.PLACEMENT and isinstance(record, Enrolment):
        if not Placement.objects.filter(enrolment=record).exists():
            raise ValidationError(_("Feedback can be asked for once the placement is recorded."))
        return Source(record.case, record.opportunity.provider, kind, record.pk)
    if kind == ServiceKind.PLAN and isinstance(record, Plan):
        if record.status != PlanStatus.APPROVED:
            raise ValidationError(_("Feedback can be asked for once the plan is approved."))
        return Source(record.case, record.case.agency, kind, record.pk)
    raise ValidationError(_("Choose a referral, a training, a placement or a plan."))


def _language_of(case: Case) -> str:
    returnee = case.returnee
    for code in getattr(returnee, "languages", None) or ():
        if code in SITE_LANGUAGES:
            return str(code)
    return "en"


@dataclass(frozen=True)
class NewLink:
    link: FeedbackLink
    token: str  # shown once, in the QR code's URL; never stored
    code: str  # shown once, to type at /f/; never stored


@transaction.atomic
def feedback_link_create(*, actor: User, source: Source) -> NewLink:
    """A new one-time link for the record, replacing an unused one (its QR code and code stop working)."""
    if source.case.agency_id != actor.agency_id:
        raise ValidationError(_("Only the case's own agency gives feedback links."))
    now = clock.now()
    FeedbackLink.objects.filter(service_kind=source.kind, source_id=source.source_id).delete()
    for _attempt in range(5):
        token = secrets.token_urlsafe(24)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        link = FeedbackLink(
            case=source.case,
            provider=source.provider,
            service_kind=source.kind,
            source_id=source.source_id,
            language=_language_of(source.case),
            token_hash=_hash(token),
            code_hash=_hash(code),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=settings.FEEDBACK_LINK_DAYS),
        )
        link.full_clean()
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError:  # a code already given (1 in 10^11): draw again
            continue
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=link,
            details={"case": source.case.code, "service": source.kind},
        )
        return NewLink(link=link, token=token, code=code)
    raise ValidationError(_("No link could be made; try again."))


def _throttle_key(ip: str | None) -> str:
    """The cache key counting an address's wrong codes: a keyed hash, never the address itself."""
    return "feedback-wrong-code:" + _hash("ip:" + (ip or "-"))


def is_throttled(ip: str | None) -> bool:
    """Whether this client typed too many wrong codes in the current window."""
    return int(cache.get(_throttle_key(ip), 0)) >= settings.FEEDBACK_WRONG_CODE_LIMIT


def _count_wrong(ip: str | None) -> None:
    key = _throttle_key(ip)
    # The window starts at the first wrong code and lasts FEEDBACK_WRONG_CODE_MINUTES.
    if not cache.add(key, 1, timeout=settings.FEEDBACK_WRONG_CODE_MINUTES * 60):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=settings.FEEDBACK_WRONG_CODE_MINUTES * 60)


def link_find(*, ip: str | None, token: str = "", code: str = "") -> FeedbackLink | None:
    """The live link of a token or a code; a miss (unknown, used or expired) counts against the address."""
    if is_throttled(ip):
        return None
    link = None
    if token:
        link = FeedbackLink.objects.filter(token_hash=_hash(token[:64])).first()
    elif normal_code(code):
        link = FeedbackLink.objects.filter(code_hash=_hash(normal_code(code))).first()
    if link is not None and link.expires_at <= clock.now():
        link = None
    if link is None:
        _count_wrong(ip)
    return link


@transaction.atomic
def feedback_answer(
    *, link_id: int, usefulness: int, respected: str, choice_respected: str, comment: str = ""
) -> FeedbackAnswer:
    """Records the answer apart from the case and deletes the link (it works once)."""
    link = FeedbackLink.objects.select_for_update().filter(pk=link_id).first()
    if link is None or link.expires_at <= clock.now():
        raise ValidationError(_("This feedback link has expired or was already used."))
    today = clock.today()
    answer = FeedbackAnswer(
        provider_id=link.provider_id,
        service_kind=link.service_kind,
        period=today.replace(day=1),
        usefulness=usefulness,
        respected=respected,
        choice_respected=choice_respected,
        comment=comment.strip(),
    )
    answer.full_clean()
    answer.save()
    link.delete()
    return answer
