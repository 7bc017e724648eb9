"""The referral network and its reference data: every member reads; coordinators (and a
supervisor, for their own agency) edit."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from reintegra.accounts.models import Role
from reintegra.livelihoods.models import LabourMarketDemand
from reintegra.network.models import Agency, Service

from .members import AnyUser, can_manage_network, is_member


def can_edit_agency(user: AnyUser, agency: Agency) -> bool:
    if can_manage_network(user):
        return True
    return is_member(user) and user.role == Role.SUPERVISOR and user.agency_id == agency.pk


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


def labour_market_get_for_user(user: AnyUser, *, demand_id: int, for_edit: bool = False) -> LabourMarketDemand:
    """Labour-market figures are reference data: every member reads them; coordinators edit them."""
    if not is_member(user):
        raise Http404
    if for_edit and not can_manage_network(user):
        raise PermissionDenied
    demand = LabourMarketDemand.objects.filter(pk=demand_id).first()
    if demand is None:
        raise Http404
    return demand
