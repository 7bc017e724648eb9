"""Access helpers: every object fetch in a view or an API endpoint goes through here.

An object outside the user's scope is a 404 (Http404), never a 403, so its existence is not
revealed. Rules for the network:
- every active member of an agency (any role) and every superuser reads the directory;
- network coordinators and superusers edit any agency and service;
- a supervisor edits their own agency's record and services.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeGuard

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from reintegra.network.models import Agency, Service

from .models import Role, User

if TYPE_CHECKING:
    from reintegra.cases.models import Case
    from reintegra.livelihoods.models import LabourMarketDemand
    from reintegra.referrals.models import Referral

# What request.user may be, in a Django view or a DRF view.
AnyUser = AbstractBaseUser | AnonymousUser


def is_member(user: AnyUser) -> TypeGuard[User]:
    """An active account with a role in an agency, or an administrator."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or bool(user.role and user.agency_id)


def require_member(user: AnyUser) -> User:
    """The user, if a member; otherwise the request is refused (403)."""
    if not is_member(user):
        raise PermissionDenied
    return user


def can_manage_network(user: AnyUser) -> bool:
    return is_member(user) and (user.is_superuser or user.role == Role.NETWORK_COORDINATOR)


def can_edit_agency(user: AnyUser, agency: Agency) -> bool:
    if can_manage_network(user):
        return True
    return is_member(user) and user.role == Role.SUPERVISOR and user.agency_id == agency.pk


def can_manage_staff(user: AnyUser) -> bool:
    """Supervisors manage their own agency's accounts; administrators manage all of them."""
    return is_member(user) and (user.is_superuser or user.role == Role.SUPERVISOR)


def staff_list_for_user(user: AnyUser) -> QuerySet[User]:
    if not is_member(user) or not can_manage_staff(user):
        raise PermissionDenied
    staff = User.objects.select_related("agency")
    return staff if user.is_superuser else staff.filter(agency=user.agency)


def staff_get_for_user(user: AnyUser, *, user_id: int) -> User:
    member = staff_list_for_user(user).filter(pk=user_id).first()
    if member is None:
        raise Http404
    return member


def agency_list_for_user(user: AnyUser) -> QuerySet[Agency]:
    if not is_member(user):
        return Agency.objects.none()
    agencies = Agency.objects.all()
    if not user.is_superuser and user.role != Role.NETWORK_COORDINATOR:
        # Deactivated agencies stay visible to those who maintain the network, and to their own staff.
        agencies = agencies.filter(Q(active=True) | Q(pk=user.agency_id))
    return agencies


def agency_get_for_user(user: AnyUser, *, slug: str, for_edit: bool = False) -> Agency:
    agency = agency_list_for_user(user).filter(slug=slug).first()
    if agency is None or (for_edit and not can_edit_agency(user, agency)):
        raise Http404
    return agency


def service_list_for_user(user: AnyUser) -> QuerySet[Service]:
    services = Service.objects.filter(agency__in=agency_list_for_user(user))
    if is_member(user) and not can_manage_network(user):
        services = services.filter(Q(active=True) | Q(agency_id=user.agency_id))
    return services


def service_get_for_user(user: AnyUser, *, service_id: int, for_edit: bool = False) -> Service:
    service = service_list_for_user(user).select_related("agency").filter(pk=service_id).first()
    if service is None or (for_edit and not can_edit_agency(user, service.agency)):
        raise Http404
    return service


# --- Cases and referrals -----------------------------------------------------------------------
# A case is seen in full by the caseworkers and supervisors of the agency that owns it. Another
# agency's caseworkers, supervisors and provider staff see it only while a referral to their agency
# is active (accepted or in progress), and only the categories that referral shares. M&E analysts
# and network coordinators see no case (they get de-identified aggregates elsewhere); installation
# administrators neither.
CASE_OWNER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
CASE_RECEIVER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER_STAFF)


@dataclass(frozen=True)
class CaseAccess:
    case: "Case"
    own: bool
    categories: frozenset[str]
    role: str
    viewer_agency_id: int

    @property
    def can_edit(self) -> bool:
        return self.own

    @property
    def is_supervisor(self) -> bool:
        return self.own and self.role == Role.SUPERVISOR

    def sees(self, category: str) -> bool:
        return category in self.categories


def _active_referrals_to(agency_id: int | None) -> "QuerySet[Referral]":
    from reintegra.cases.choices import ACTIVE_REFERRAL_STATUSES
    from reintegra.referrals.models import Referral

    return Referral.objects.filter(to_agency_id=agency_id, status__in=ACTIVE_REFERRAL_STATUSES).filter(
        Q(consent__isnull=True, override_by__isnull=False) | Q(consent__withdrawn_at__isnull=True)
    )


def case_list_for_user(user: AnyUser) -> "QuerySet[Case]":
    from reintegra.cases.models import Case

    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Case.objects.none()
    referred = Q(pk__in=_active_referrals_to(user.agency_id).values("case_id"))
    if user.role in CASE_OWNER_ROLES:
        return Case.objects.filter(Q(agency_id=user.agency_id) | referred)
    return Case.objects.filter(referred)


def case_get_for_user(user: AnyUser, *, code: str, for_edit: bool = False) -> CaseAccess:
    from reintegra.cases.choices import DataCategory

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


def referral_list_for_user(user: AnyUser) -> "QuerySet[Referral]":
    from reintegra.referrals.models import Referral

    if not is_member(user) or user.role not in CASE_RECEIVER_ROLES:
        return Referral.objects.none()
    received = Q(to_agency_id=user.agency_id)
    if user.role in CASE_OWNER_ROLES:
        return Referral.objects.filter(received | Q(from_agency_id=user.agency_id))
    return Referral.objects.filter(received)


def referral_get_for_user(user: AnyUser, *, referral_id: int) -> "Referral":
    referral = (
        referral_list_for_user(user)
        .select_related("case", "from_agency", "to_agency", "service")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


# --- Livelihoods reference data ------------------------------------------------------------------
def labour_market_get_for_user(user: AnyUser, *, demand_id: int, for_edit: bool = False) -> "LabourMarketDemand":
    """Labour-market figures are reference data: every member reads them; coordinators edit them."""
    from reintegra.livelihoods.models import LabourMarketDemand

    if not is_member(user):
        raise Http404
    if for_edit and not can_manage_network(user):
        raise PermissionDenied
    demand = LabourMarketDemand.objects.filter(pk=demand_id).first()
    if demand is None:
        raise Http404
    return demand
