"""Transfers (issue 16): seen by the caseworkers and supervisors of the two agencies, moved only by
their supervisors (transfers/workflows.py). Anything else is a 404."""

from django.db.models import Q, QuerySet
from django.http import Http404

from reintegra.accounts.models import CASE_OWNER_ROLES
from reintegra.transfers.models import Transfer

from .members import AnyUser, is_member


def transfer_list_for_user(user: AnyUser) -> QuerySet[Transfer]:
    if not is_member(user) or user.role not in CASE_OWNER_ROLES or user.agency_id is None:
        return Transfer.objects.none()
    return Transfer.objects.filter(Q(from_agency_id=user.agency_id) | Q(to_agency_id=user.agency_id))


def transfer_get_for_user(user: AnyUser, *, transfer_id: int) -> Transfer:
    transfer = (
        transfer_list_for_user(user)
        .select_related("case", "from_agency", "to_agency", "proposed_by", "caseworker", "consent")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        raise Http404
    return transfer
