"""Access helpers: every object fetch in a view or an API endpoint goes through here.

An object outside the user's scope is a 404 (Http404), never a 403, so its existence is not
revealed. Rules for the network:
- every active member of an agency (any role) and every superuser reads the directory;
- network coordinators and superusers edit any agency and service;
- a supervisor edits their own agency's record and services.
"""

from typing import TypeGuard

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from reintegra.network.models import Agency, Service

from .models import Role, User

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
