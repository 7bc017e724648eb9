"""Livelihood enrolments: the case's agency sees and records all of them; the provider of an option
sees and records only the enrolments of people referred to it (an active referral), and nothing else.
After the referral is completed, the provider keeps the enrolments linked to it whose work remains
(to enrol, complete, place, follow up) until that work is done, and nothing else of the case
(decisions/0018); a revocation, a withdrawn consent or the closure of the case ends even that."""

from collections.abc import Iterable
from typing import TypeGuard

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from reintegra.accounts.models import Role, User
from reintegra.cases.choices import DataCategory, Stage
from reintegra.livelihoods.handover import work_remains
from reintegra.livelihoods.models import AllocationRound, Enrolment, IncomeFollowUp, Opportunity
from reintegra.livelihoods.scope import EnrolmentAccess
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral

from .cases import CASE_OWNER_ROLES, CASE_RECEIVER_ROLES, _active_referrals_to, _referrals_to
from .members import AnyUser, can_manage_network, is_member, is_supervisor, require_member


def _sharing_income(referrals: QuerySet[Referral]) -> list[int]:
    """Those of the referrals that share the livelihood category (work, income, debt): read in Python,
    as a JSON list cannot be searched alike on SQLite and PostgreSQL; an agency holds few at a time."""
    return [pk for pk, shared in referrals.values_list("pk", "categories") if DataCategory.LIVELIHOOD in shared]


def _kept_after_completion(agency_id: int | None, *, income: bool = False) -> Q:
    """The provider's enrolments held through a completed referral while their work remains, and
    while the case is open: a closed case is the agency's work done, follow-ups included."""
    completed = _referrals_to(agency_id, [ReferralStatus.COMPLETED]).exclude(case__stage=Stage.CLOSED)
    held = _sharing_income(completed) if income else completed.values("pk")
    return Q(opportunity__provider_id=agency_id, referral_id__in=held) & work_remains()


def _provided(user: User, *, income: bool) -> Q:
    """The enrolments on the agency's options of the people referred to it (see the module's rule)."""
    active = _active_referrals_to(user.agency_id)
    referred = active.filter(pk__in=_sharing_income(active)) if income else active
    return Q(
        opportunity__provider_id=user.agency_id,
        case_id__in=referred.values("case_id"),
    ) | _kept_after_completion(user.agency_id, income=income)


def _provides(user: User) -> bool:
    """Whether the agency offers any option. An agency that offers none provides no enrolment, and its
    lists are asked nothing of the kind: at a million cases, looking for the enrolments on a
    government agency's options read every enrolment of the network, newest first (0.6 s)."""
    return Opportunity.objects.filter(provider_id=user.agency_id).exists()


def _enrolments(user: AnyUser, *, income: bool) -> QuerySet[Enrolment]:
    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Enrolment.objects.none()
    provided = _provided(user, income=income) if _provides(user) else Q(pk__in=[])
    if user.role in CASE_OWNER_ROLES:
        return Enrolment.objects.filter(Q(agency_id=user.agency_id) | provided)
    return Enrolment.objects.filter(provided)


def enrolment_list_for_user(user: AnyUser) -> QuerySet[Enrolment]:
    return _enrolments(user, income=False)


def enrolment_parts_for_user(user: AnyUser) -> tuple[QuerySet[Enrolment], QuerySet[Enrolment]]:
    """`enrolment_list_for_user` as two parts that never share an enrolment: those of the agency's own
    cases (for the roles that keep them) and those of other agencies' people on its options. "Own OR
    provided" makes PostgreSQL join every case; the newest of each part are read by an index of their own
    (at a million cases, a supervisor's list 3.8 s to 0.2 s; livelihoods/selectors.enrolments_for_user)."""
    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Enrolment.objects.none(), Enrolment.objects.none()
    own = Q(agency_id=user.agency_id)
    mine = Enrolment.objects.filter(own) if user.role in CASE_OWNER_ROLES else Enrolment.objects.none()
    if not _provides(user):
        return mine, Enrolment.objects.none()
    return mine, Enrolment.objects.filter(_provided(user, income=False)).exclude(own)


def income_enrolment_list_for_user(user: AnyUser) -> QuerySet[Enrolment]:
    """The enrolments whose income follow-ups (work, income, debt, the notes) the user reads and
    records: all of the agency's own cases; of the provider's, only those it holds through a referral
    that shares the livelihood category, active or completed with work left (decisions/0018). The one
    rule for the follow-ups endpoint, the follow-ups nested in an enrolment and the enrolment's page."""
    return _enrolments(user, income=True)


def follow_up_list_for_user(user: AnyUser) -> QuerySet[IncomeFollowUp]:
    return IncomeFollowUp.objects.filter(enrolment__in=income_enrolment_list_for_user(user))


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
    own = {e.pk for e in rows if e.agency_id == user.agency_id and user.role in CASE_OWNER_ROLES}
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
    # Whose income the user reads: the same rule as the follow-ups' own endpoint, one more query, if any.
    provided = {e.pk for e in rows if e.case_id in referred} | kept
    income = own | (
        set(income_enrolment_list_for_user(user).filter(pk__in=provided).values_list("pk", flat=True))
        if provided
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
            reads_income=e.pk in income,
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
