"""The data exchange pages (issue 14): an agency's supervisors import and export its cases. A job
of another agency is a 404, as any object outside the user's scope."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from reintegra.accounts.models import User
from reintegra.exchange.models import CtdcExportJob, ImportJob

from .insights import insights_scope_for_user
from .members import AnyUser, require_supervisor


def require_exchange_supervisor(user: AnyUser) -> User:
    """A supervisor of an agency, who imports and exports that agency's cases; anyone else 403."""
    return require_supervisor(user)


def import_job_list_for_user(user: AnyUser) -> QuerySet[ImportJob]:
    """The imports of the supervisor's agency, the newest first (403 for anyone else)."""
    agency_id = require_exchange_supervisor(user).agency_id
    if agency_id is None:  # require_supervisor refused it already; for the type checker
        raise PermissionDenied
    return ImportJob.objects.filter(agency_id=agency_id).select_related("uploaded_by")


def import_job_get_for_user(user: AnyUser, *, job_id: int) -> ImportJob:
    try:
        return import_job_list_for_user(user).select_related("agency").get(pk=job_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def require_ctdc_reader(user: AnyUser) -> User:
    """Who may ask for the CTDC file: a reader of the whole network's insights (an M&E analyst, a
    network coordinator); a supervisor reads their agency's figures only, this file is the network's."""
    scope = insights_scope_for_user(user)
    if not scope.whole_network:
        raise PermissionDenied
    return scope.user


def ctdc_job_list_for_user(user: AnyUser) -> QuerySet[CtdcExportJob]:
    """The CTDC files the person asked for, the newest first: kept for them alone (403 for anyone
    who may not ask for one)."""
    return CtdcExportJob.objects.filter(requested_by=require_ctdc_reader(user))


def ctdc_job_get_for_user(user: AnyUser, *, job_id: int) -> CtdcExportJob:
    try:
        return ctdc_job_list_for_user(user).get(pk=job_id)
    except CtdcExportJob.DoesNotExist:
        raise Http404 from None
