"""Cases and referrals: owned by an agency, seen by another only through an active referral."""

from collections.abc import Iterable
from typing import TypeGuard

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from reintegra.accounts.models import CASE_OWNER_ROLES, CASE_RECEIVER_ROLES, User
from reintegra.cases.choices import DataCategory
from reintegra.cases.models import Case, Consent, Task
from reintegra.cases.scope import CaseAccess
from reintegra.referrals.choices import ACTIVE_REFERRAL_STATUSES, ReferralStatus
from reintegra.referrals.models import Referral

from .members import AnyUser, is_member, require_member

# A case is seen in full by the caseworkers and supervisors of the agency that owns it. Another
# agency's caseworkers, supervisors and provider staff see it only while a referral to their agency
# is active (accepted or in progress), and only the categories that referral shares. M&E analysts
# and network coordinators see no case (they get de-identified aggregates elsewhere); installation
# administrators neither.


def keeps_cases(user: AnyUser) -> TypeGuard[User]:
    """A caseworker or supervisor of an agency: may open cases and keeps its agency's."""
    return is_member(user) and user.role in CASE_OWNER_ROLES and user.agency_id is not None


def receives_cases(user: AnyUser) -> TypeGuard[User]:
    """May hold a case or a referral: a caseworker, supervisor or provider's staff of an agency."""
    return is_member(user) and user.role in CASE_RECEIVER_ROLES and user.agency_id is not None


def require_case_receiver(user: AnyUser) -> User:
    """Someone who may hold cases or referrals; anyone else is refused (403)."""
    member = require_member(user)
    if not receives_cases(member):
        raise PermissionDenied
    return member


def require_case_owner(user: AnyUser) -> User:
    """A caseworker or supervisor, the roles that open and keep cases; anyone else is refused (403)."""
    member = require_member(user)
    if member.role not in CASE_OWNER_ROLES:
        raise PermissionDenied
    return member


def _referrals_to(agency_id: int | None, statuses: Iterable[str]) -> QuerySet[Referral]:
    """Referrals to the agency in these statuses, under a consent not withdrawn (or an override).
    The withdrawn consents are looked for (NOT EXISTS, by the index `consent_withdrawn`, which holds
    only those), rather than every referral's consent read: an agency may hold a hundred thousand
    referrals (at a million cases, a provider's case list counted them in 0.8 s that way)."""
    withdrawn = Consent.objects.filter(pk=OuterRef("consent_id"), withdrawn_at__isnull=False)
    return Referral.objects.filter(to_agency_id=agency_id, status__in=list(statuses)).filter(
        Q(consent__isnull=True, override_by__isnull=False) | (Q(consent__isnull=False) & ~Exists(withdrawn))
    )


def _active_referrals_to(agency_id: int | None) -> QuerySet[Referral]:
    return _referrals_to(agency_id, ACTIVE_REFERRAL_STATUSES)


def case_list_for_user(user: AnyUser) -> QuerySet[Case]:
    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Case.objects.none()
    referred = Q(pk__in=_active_referrals_to(user.agency_id).values("case_id"))
    if user.role in CASE_OWNER_ROLES:
        return Case.objects.filter(Q(agency_id=user.agency_id) | referred)
    return Case.objects.filter(referred)


def case_parts_for_user(user: AnyUser) -> tuple[QuerySet[Case], QuerySet[Case]]:
    """`case_list_for_user` as two parts that never share a case, each read by an index of its own:
    the agency's own cases (for the roles that keep them) and the other agencies' cases referred to
    it. PostgreSQL answers "own OR referred" by reading every case; a list a page long reads each part
    in order instead and merges them (cases/listing.py)."""
    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Case.objects.none(), Case.objects.none()
    agency = Q(agency_id=user.agency_id)
    own = Case.objects.filter(agency) if user.role in CASE_OWNER_ROLES else Case.objects.none()
    referred = Case.objects.filter(pk__in=_active_referrals_to(user.agency_id).values("case_id")).exclude(agency)
    return own, referred


def case_get_for_user(user: AnyUser, *, code: str, for_edit: bool = False) -> CaseAccess:
    case = case_list_for_user(user).select_related("returnee", "agency").filter(code=code).first()
    if case is None or not is_member(user):
        raise Http404
    own = case.agency_id == user.agency_id and user.role in CASE_OWNER_ROLES
    if own:
        categories = frozenset(DataCategory.values)
    else:
        shared: set[str] = set()
        for referral_categories in (
            _active_referrals_to(user.agency_id).filter(case=case).values_list("categories", flat=True)
        ):
            shared.update(referral_categories)
        categories = frozenset(shared)
    if for_edit and not own:
        raise Http404
    return CaseAccess(case=case, own=own, categories=categories, role=user.role, viewer_agency_id=user.agency_id or 0)


def referral_list_for_user(user: AnyUser) -> QuerySet[Referral]:
    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Referral.objects.none()
    received = Q(to_agency_id=user.agency_id)
    if user.role in CASE_OWNER_ROLES:
        return Referral.objects.filter(received | Q(from_agency_id=user.agency_id))
    return Referral.objects.filter(received)


def task_list_for_user(user: AnyUser) -> QuerySet[Task]:
    """The tasks of the user's agency on the cases it may still see: once a receiving agency's
    referral ends (revoked, a consent withdrawn, the case closed), its tasks on that case are neither
    read (their titles may speak of the person) nor marked done by it. A task on no case is its
    assignee's alone."""
    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES or user.agency_id is None:
        return Task.objects.none()
    # The rule of case_list_for_user on the task's own row: whose its case is, kept beside it
    # (decisions/0047), so that a list of the agency's tasks reads the tasks alone, not every case the
    # agency may see (at a million, 0.8 s to count an agency's open tasks).
    on_cases = Q(case_id__in=_active_referrals_to(user.agency_id).values("case_id"))
    if user.role in CASE_OWNER_ROLES:
        on_cases |= Q(case_agency_id=user.agency_id)
    # A task on no case (a supervisor's alert, decisions/0022) is read by its assignee only.
    for_them = Q(case__isnull=True, assignee_id=user.pk)
    return Task.objects.filter(on_cases | for_them, agency_id=user.agency_id)


def referral_details_withheld(user: AnyUser, referral: Referral) -> bool:
    """Whether `user` reads only the referral's status, not what it says of the person (its reasons,
    in codes and in words, and the reason it ended): the receiving agency, once the referral was
    revoked (by the sending agency, a withdrawn consent or the case's closure) or its consent
    withdrawn. It keeps the referral in its list, with who sent it, when, and that it ended, so it
    knows to stop; the sending agency reads everything."""
    if not is_member(user) or referral.to_agency_id != user.agency_id or referral.from_agency_id == user.agency_id:
        return False
    consent_withdrawn = referral.consent is not None and referral.consent.withdrawn_at is not None
    return referral.status == ReferralStatus.REVOKED or consent_withdrawn


def referral_get_for_user(user: AnyUser, *, referral_id: int) -> Referral:
    referral = (
        referral_list_for_user(user)
        .select_related("case", "from_agency", "to_agency", "service", "consent")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404
    return referral
