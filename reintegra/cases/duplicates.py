"""The duplicate check: does the person about to be registered already have a case? (decisions/0022)

It answers with the case codes of the asker's own agency, and elsewhere only whether a possible
match exists, never which agency holds it: the holding agency is told of the check on its case (a
task naming the asking agency) and decides, with the returnee, whether to get in touch; the asker
is given their country's network coordinators as the people to ask. Nothing is said without a
reason and enough of the person to tell them apart (a name with the whole birth date, or a name
with a phone number); every check is audited without the identifying data, and checks are counted
per user and per agency, with the agency's supervisors alerted once a day when a user checks more
than usual.
"""

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import CASE_OWNER_ROLES, AuditChainHead, AuditEvent, Role, User
from reintegra.lib import clock, crypto
from reintegra.lib.phrases import label, names
from reintegra.lib.validation import add, raise_if

from .choices import DuplicateCheckReason
from .models import Case
from .services import name_birth_index
from .tasks import case_keeper, task_create

# Throttles, counted over the audit log (real time, like the lock-out). An agency registering
# returnees checks each one once, and a caseworker rarely registers more than a handful a day; an
# hour's allowance of a whole day's work is generous for that and useless for probing.
CHECKS_PER_USER_PER_HOUR = 20
CHECKS_PER_AGENCY_PER_HOUR = 60
# More checks than this by one user in a day alerts the agency's supervisors (once that day); past
# the day's limit, no more checks are answered that day however the hours are spread.
CHECKS_PER_USER_PER_DAY_ALERT = 30
CHECKS_PER_USER_PER_DAY = 60
REASON_TEXT_LIMIT = 500

AUDIT_TYPE = "cases.duplicate_check"
ALERT_TYPE = "cases.duplicate_check_alert"

LIAISON_PHRASE = gettext_noop(
    "%(agency)s checked whether this person already has a case (%(reason)s). If the returnee agrees, "
    "get in touch with them."
)
ALERT_PHRASE = gettext_noop(
    "%(user)s made %(count)s duplicate checks today, more than usual: ask them why (the audit log lists them)."
)


class DuplicateCheckThrottled(Exception):
    """Too many checks in the last hour, by the user or by their agency."""


@dataclass(frozen=True)
class Coordinator:
    name: str
    agency: str
    email: str


@dataclass(frozen=True)
class DuplicateCheck:
    """What the asker is told: their agency's matching cases, whether another agency may hold the
    person, and whom to ask (the reference, random, is kept in the check's audit record)."""

    own: list[Case]
    elsewhere: bool
    reference: str
    coordinators: list[Coordinator] = field(default_factory=list)


def duplicate_advice(found: DuplicateCheck) -> str:
    """What the asker is told about a match at another agency, and whom to ask."""
    if not found.elsewhere:
        return ""
    return _(
        "A possible match exists at another agency. Which one is not said: that agency has been told of "
        "your check and may get in touch if the returnee agrees. To ask about it, contact your network "
        "coordinator, quoting %(reference)s."
    ) % {"reference": found.reference}


def missing_identity(
    *, given_name: str, birth_date: datetime.date | None, phones: Iterable[str]
) -> dict[str, list[str]]:
    """What is missing before a check may be answered, by field: a name, and with it the whole
    birth date or a phone number. A phone alone, or a name alone, tells too many people apart."""
    errors: dict[str, list[str]] = {}
    if not crypto.name_key(given_name):
        add(errors, "given_name", _("Give the person's name: a check needs it with a birth date or a phone number."))
    if birth_date is None and not any(crypto.phone_key(p) for p in phones):
        add(
            errors,
            "birth_date",
            _("Give the whole birth date (day, month and year) or a phone number: a name alone is not enough."),
        )
    return errors


def _since(hours: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def _start_of_today() -> datetime.datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))


def _matches(
    *, agency_id: int, given_name: str, family_name: str, birth_date: datetime.date | None, phones: Iterable[str]
) -> tuple[list[Case], list[Case]]:
    """The cases of the asker's agency that match (by name and birth year, or a phone: the agency may
    read them anyway) and the cases elsewhere that match strictly (the name with the whole birth date,
    or the name with a phone number)."""
    key = crypto.name_key(given_name, family_name)
    if not key or (birth_date is None and not any(crypto.phone_key(p) for p in phones)):
        return [], []  # refused by `missing_identity` before this is reached
    phone_keys = [crypto.blind_index(crypto.phone_key(p), kind="phone") for p in phones if crypto.phone_key(p)]
    same_name = Q(returnee__name_index=crypto.blind_index(key, kind="name"))
    same_phone = Q(returnee__phone_index__key__in=phone_keys)
    own_match = Q()
    strict = Q()
    if birth_date is not None:
        own_match |= Q(returnee__name_year_index=crypto.blind_index(f"{key}|{birth_date.year}", kind="name-year"))
        strict |= Q(returnee__name_birth_index=name_birth_index(key, birth_date))
    if phone_keys:
        own_match |= same_phone
        strict |= same_name & same_phone
    # Each match joins the returnee's phones: the cases are taken by id, so none comes twice.
    own = Case.objects.filter(pk__in=Case.objects.filter(own_match, agency_id=agency_id).values("pk"))
    elsewhere = Case.objects.filter(pk__in=Case.objects.filter(strict).exclude(agency_id=agency_id).values("pk"))
    return list(own.order_by("-opened_at")), list(elsewhere.select_related("agency", "caseworker").order_by("pk"))


def _coordinators(country: str) -> list[Coordinator]:
    people = User.objects.filter(role=Role.NETWORK_COORDINATOR, is_active=True, agency__country=country)
    return [
        Coordinator(
            name=person.get_full_name() or person.username,
            agency=person.agency.display_name if person.agency else "",
            email=person.email or (person.agency.contact_email if person.agency else ""),
        )
        for person in people.select_related("agency").order_by("last_name", "first_name", "pk")
    ]


def _tell_holders(*, actor: User, cases: list[Case], reason: str) -> None:
    """A task on each matching case of another agency, for its caseworker (or the agency): the asking
    agency checked for this person. Once per case and asking agency while the task is open."""
    assert actor.agency is not None  # noqa: S101 (checked by the caller)
    for case in cases:
        open_liaisons = case.tasks.filter(title_phrase=LIAISON_PHRASE, done_at__isnull=True)
        if any(t.title_params.get("asker") == actor.agency_id for t in open_liaisons):
            continue
        keeper = case_keeper(case)
        task_create(
            actor=actor,
            case=case,
            agency=case.agency,
            assignee=keeper,
            due_on=clock.today(),
            announce=False,
            title_phrase=LIAISON_PHRASE,
            title_params={
                "agency": names(actor.agency.names()),
                "reason": label("duplicate_check_reason", reason),
                "asker": actor.agency_id,
            },
        )


def _alert_supervisors(*, actor: User, count: int) -> None:
    """The first time today that `actor` passes the daily threshold: an audit event, and a task for
    each other active supervisor of the agency, or, when there is none, for each network coordinator
    of its country (the person checked is not told)."""
    assert actor.agency is not None  # noqa: S101 (checked by the caller)
    already = AuditEvent.objects.filter(object_type=ALERT_TYPE, object_id=str(actor.pk), at__gte=_start_of_today())
    if already.exists():
        return
    supervisors = list(
        User.objects.filter(agency=actor.agency, role=Role.SUPERVISOR, is_active=True).exclude(pk=actor.pk)
    )
    if not supervisors:
        # The agency's only supervisor checking, or an agency without one: the country's coordinators.
        supervisors = list(
            User.objects.filter(
                role=Role.NETWORK_COORDINATOR, is_active=True, agency__country=actor.agency.country
            ).select_related("agency")
        )
    for supervisor in supervisors:
        task_create(
            actor=actor,
            case=None,
            agency=supervisor.agency or actor.agency,
            assignee=supervisor,
            due_on=clock.today(),
            announce=False,
            title_phrase=ALERT_PHRASE,
            title_params={"user": actor.get_full_name() or actor.username, "count": count},
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type=ALERT_TYPE,
        object_id=str(actor.pk),
        details={
            "checks_today": count,
            "threshold": CHECKS_PER_USER_PER_DAY_ALERT,
            "supervisors": [s.pk for s in supervisors],
        },
    )


def duplicate_check(
    *,
    actor: User,
    reason: str,
    reason_text: str = "",
    given_name: str,
    family_name: str = "",
    birth_date: datetime.date | None = None,
    phones: Iterable[str] = (),
    via: str = "api",
) -> DuplicateCheck:
    """Answers a duplicate check, or raises ValidationError (what is missing, by field) or
    DuplicateCheckThrottled. Every check answered or throttled is one audit record: the reason (its
    words encrypted), what it was made with (which kinds of data, never their values), what was found."""
    if actor.role not in CASE_OWNER_ROLES or actor.agency is None:
        raise PermissionDenied
    phones = [p for p in phones if p.strip()]
    errors = missing_identity(given_name=given_name, birth_date=birth_date, phones=phones)
    if reason not in DuplicateCheckReason.values:
        add(errors, "reason", _("Say why you are checking."))
    reason_text = reason_text.strip()
    if reason == DuplicateCheckReason.OTHER and not reason_text:
        add(errors, "reason_text", _("Say in a few words why you are checking."))
    if len(reason_text) > REASON_TEXT_LIMIT:
        add(errors, "reason_text", _("At most %(limit)s characters.") % {"limit": REASON_TEXT_LIMIT})
    raise_if(errors)
    agency = actor.agency
    details: dict[str, object] = {
        "via": via,
        "reason": reason,
        "reason_text": crypto.encrypt(reason_text) if reason_text else "",
        "with": sorted(
            {"name"}
            | ({"family_name"} if family_name.strip() else set())
            | ({"birth_date"} if birth_date else set())
            | ({"phone"} if phones else set())
        ),
    }
    with transaction.atomic():
        # The audit chain's head is locked first, so two checks cannot both count under the limit.
        AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        checks = AuditEvent.objects.filter(object_type=AUDIT_TYPE)
        by_user = checks.filter(actor=actor)
        throttled = (
            by_user.filter(at__gte=_since(1)).count() >= CHECKS_PER_USER_PER_HOUR
            or by_user.filter(at__gte=_start_of_today()).count() >= CHECKS_PER_USER_PER_DAY
            or checks.filter(object_id=f"agency:{agency.pk}", at__gte=_since(1)).count() >= CHECKS_PER_AGENCY_PER_HOUR
        )
        own: list[Case] = []
        elsewhere: list[Case] = []
        if not throttled:
            own, elsewhere = _matches(
                agency_id=agency.pk,
                given_name=given_name,
                family_name=family_name,
                birth_date=birth_date,
                phones=phones,
            )
        # The reference to quote is random: a number of the audit log would tell how busy it is.
        reference = f"DC-{secrets.token_hex(4).upper()}"
        audit_record(
            actor=actor,
            action=AuditEvent.Action.READ,
            object_type=AUDIT_TYPE,
            object_id=f"agency:{agency.pk}",
            categories=["identity", "contact"] if phones else ["identity"],
            details=details
            | {
                "outcome": "throttled" if throttled else ("found" if own or elsewhere else "none"),
                "reference": reference,
                "own": [c.code for c in own],
                "elsewhere": [c.pk for c in elsewhere],
            },
        )
        if not throttled:
            _tell_holders(actor=actor, cases=elsewhere, reason=reason)
        today = by_user.filter(at__gte=_start_of_today()).count()
        if today > CHECKS_PER_USER_PER_DAY_ALERT:
            _alert_supervisors(actor=actor, count=today)
    if throttled:
        raise DuplicateCheckThrottled(
            _(
                "Too many duplicate checks (at most %(user)s an hour and %(day)s a day per person, %(agency)s "
                "an hour per agency). Try again later."
            )
            % {"user": CHECKS_PER_USER_PER_HOUR, "day": CHECKS_PER_USER_PER_DAY, "agency": CHECKS_PER_AGENCY_PER_HOUR}
        )
    return DuplicateCheck(
        own=own,
        elsewhere=bool(elsewhere),
        reference=reference,
        coordinators=_coordinators(agency.country) if elsewhere else [],
    )
