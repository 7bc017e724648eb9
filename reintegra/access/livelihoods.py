"""Livelihood enrolments: the case's agency sees and records all of them; the provider of an option
sees and records only the enrolments of people referred to it (an active referral), and nothing else.
After the referral is completed, the provider keeps the enrolments linked to it whose work remains
(to enrol, complete, place, follow up) until that work is done, and nothing else of the case
(decisions/0018); a revocation or a withdrawn consent ends even that."""

from collections.abc import Iterable
from typing import TypeGuard

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from reintegra.accounts.models import Role, User
from reintegra.livelihoods.handover import work_remains
from reintegra.livelihoods.models import AllocationRound, Enrolment, Opportunity
from reintegra.livelihoods.scope import EnrolmentAccess
from reintegra.referrals.choices import ReferralStatus

from .cases import CASE_OWNER_ROLES, CASE_RECEIVER_ROLES, _active_referrals_to, _referrals_to
from .members import AnyUser, can_manage_network, is_member, is_supervisor, require_member


def _kept_after_completion(agency_id: int | None) -> Q:
    """The provider's enrolments held through a completed referral while their work remains."""
    completed = _referrals_to(agency_id, [ReferralStatus.COMPLETED])
    return Q(opportunity__provider_id=agency_id, referral_id__in=completed.values("pk")) & work_remains()


def enrolment_list_for_user(user: AnyUser) -> QuerySet[Enrolment]:
    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Enrolment.objects.none()
    provided = Q(
        opportunity__provider_id=user.agency_id,
        case_id__in=_active_referrals_to(user.agency_id).values("case_id"),
    ) | _kept_after_completion(user.agency_id)
    if user.role in CASE_OWNER_ROLES:
        return Enrolment.objects.filter(Q(case__agency_id=user.agency_id) | provided)
    return Enrolment.objects.filter(provided)


def enrolment_get_for_user(user: AnyUser, *, enrolment_id: int) -> EnrolmentAccess:
    enrolment = (
        enrolment_list_for_user(user)
        .select_related("case", "case__returnee", "case__agency", "opportunity", "opportunity__provider")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None or not is_member(user):
        raise Http404
    return enrolment_grants_for_user(user, [enrolment])[enrolment.pk]


def enrolment_grants_for_user(user: AnyUser, enrolments: Iterable[Enrolment]) -> dict[int, EnrolmentAccess]:
    """The grants of a page of enrolments the user already sees (from enrolment_list_for_user), in
    one query rather than one per row: what each row's buttons and `moves` are computed from."""
    rows = list(enrolments)
    if not is_member(user) or not rows:
        return {}
    own = {e.pk for e in rows if e.case.agency_id == user.agency_id and user.role in CASE_OWNER_ROLES}
    # Only the user's own options on cases it does not keep need the active referral: one query, if any.
    asked = {e.case_id for e in rows if e.opportunity.provider_id == user.agency_id and e.pk not in own}
    referrals = _active_referrals_to(user.agency_id).filter(case_id__in=asked) if asked else None
    referred = set(referrals.values_list("case_id", flat=True)) if referrals is not None else set()
    # Those not referred now may still be kept after a completed referral: one more query, if any.
    after = {e.pk for e in rows if e.opportunity.provider_id == user.agency_id and e.pk not in own}
    after -= {e.pk for e in rows if e.case_id in referred}
    kept = (
        set(Enrolment.objects.filter(_kept_after_completion(user.agency_id), pk__in=after).values_list("pk", flat=True))
        if after
        else set()
    )
    return {
        e.pk: EnrolmentAccess(
            enrolment=e,
            own=e.pk in own,
            provider=e.opportunity.provider_id == user.agency_id
            and (e.pk in own or e.case_id in referred or e.pk in kept),
            supervisor=e.pk in own and user.role == Role.SUPERVISOR,
            residual=e.pk in kept,
        )
        for e in rows
    }


def allocation_round_list_for_user(user: AnyUser) -> QuerySet[AllocationRound]:
    """The cohort allocations of the user's agency, for its supervisors only."""
    if not is_member(user) or not is_supervisor(user) or user.agency_id is None:
        return AllocationRound.objects.none()
    return AllocationRound.objects.filter(agency_id=user.agency_id)


def allocation_round_get_for_user(user: AnyUser, *, round_id: int) -> AllocationRound:
    round_ = allocation_round_list_for_user(user).select_related("made_by").filter(pk=round_id).first()
    if round_ is None:
        raise Http404
    return round_


def can_edit_opportunities_of(user: AnyUser, provider_id: int) -> bool:
    """Coordinators edit the whole catalogue; a provider's supervisor edits its own options."""
    if not is_member(user):
        return False
    if can_manage_network(user):
        return True
    return user.role == Role.SUPERVISOR and user.agency_id == provider_id


def opportunity_get_for_user(user: AnyUser, *, opportunity_id: int, for_edit: bool = False) -> Opportunity:
    """The catalogue is read by every member; see can_edit_opportunities_of for who writes."""
    if not is_member(user):
        raise Http404
    opportunity = Opportunity.objects.select_related("provider").filter(pk=opportunity_id).first()
    if opportunity is None:
        raise Http404
    if for_edit and not can_edit_opportunities_of(user, opportunity.provider_id):
        raise PermissionDenied
    return opportunity


# The programme's figures (the audit of options, the success prediction's quality) are for those
# who run or watch the programme: supervisors, M&E analysts and network coordinators.
PROGRAMME_ROLES = (Role.SUPERVISOR, Role.ME_ANALYST, Role.NETWORK_COORDINATOR)


def sees_programme_figures(user: AnyUser) -> TypeGuard[User]:
    return is_member(user) and user.role in PROGRAMME_ROLES


def require_programme_viewer(user: AnyUser) -> User:
    """Someone who may read the programme's figures; anyone else is refused (403)."""
    member = require_member(user)
    if not sees_programme_figures(member):
        raise PermissionDenied
    return member


def can_add_options(user: AnyUser) -> bool:
    """Network coordinators add options for any provider; a supervisor for their own agency."""
    return can_manage_network(user) or (is_member(user) and user.role == Role.SUPERVISOR)
