"""Who is a member of the network, and who manages what."""

from typing import TypeGuard

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from reintegra.accounts.models import ApiToken, Role, User
from reintegra.lib import clock

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


def require_supervisor(user: AnyUser) -> User:
    """A supervisor of an agency; anyone else is refused (403)."""
    member = require_member(user)
    if member.role != Role.SUPERVISOR or member.agency_id is None:
        raise PermissionDenied
    return member


def require_supervisor_of(user: AnyUser, agency_id: int) -> User:
    """A supervisor of that agency (an agency's data exchange: HTCDS export and import); anyone
    else is refused (403)."""
    member = require_supervisor(user)
    if member.agency_id != agency_id:
        raise PermissionDenied
    return member


def is_supervisor(user: AnyUser) -> bool:
    return is_member(user) and user.role == Role.SUPERVISOR and user.agency_id is not None


def can_manage_network(user: AnyUser) -> bool:
    return is_member(user) and (user.is_superuser or user.role == Role.NETWORK_COORDINATOR)


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


def api_token_list_for_user(user: AnyUser, *, owner: User) -> QuerySet[ApiToken]:
    """The live API tokens of `owner`: the user's own, or those of an account they manage."""
    if not isinstance(user, User) or not user.is_active:
        raise PermissionDenied
    if owner.pk != user.pk:
        staff_get_for_user(user, user_id=owner.pk)  # 403 to who manages no staff, 404 outside their agency
    return ApiToken.objects.filter(user=owner, revoked_at__isnull=True, expires_at__gt=clock.now())


def api_token_get_for_user(user: AnyUser, *, token_id: int) -> ApiToken:
    """A token the user may end: their own, or one of an account they manage; otherwise 404."""
    if not isinstance(user, User) or not user.is_active:
        raise Http404
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise Http404
    if token.user_id != user.pk and not (
        can_manage_staff(user) and staff_list_for_user(user).filter(pk=token.user_id).exists()
    ):
        raise Http404
    return token
