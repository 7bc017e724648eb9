"""Feedback links (issue 16): given only by the case's own caseworkers and supervisors."""

from django.http import Http404

from reintegra.accounts.models import CASE_OWNER_ROLES
from reintegra.feedback.choices import ServiceKind
from reintegra.feedback.services import Source, source_of
from reintegra.livelihoods.models import Enrolment
from reintegra.plans.models import Plan
from reintegra.referrals.models import Referral

from .members import AnyUser, is_member


def feedback_source_get_for_user(user: AnyUser, *, kind: str, record_id: int) -> Source:
    """The record a feedback link would be about, if the user keeps its case (else 404); a service not
    yet complete is refused by `source_of` (ValidationError)."""
    if not is_member(user) or user.role not in CASE_OWNER_ROLES or user.agency_id is None:
        raise Http404
    related = ("case", "case__agency", "case__returnee")
    record: Referral | Enrolment | Plan | None
    if kind == ServiceKind.REFERRAL:
        record = Referral.objects.select_related(*related, "to_agency").filter(pk=record_id).first()
    elif kind in (ServiceKind.TRAINING, ServiceKind.PLACEMENT):
        record = Enrolment.objects.select_related(*related, "opportunity__provider").filter(pk=record_id).first()
    elif kind == ServiceKind.PLAN:
        record = Plan.objects.select_related(*related).filter(pk=record_id).first()
    else:
        raise Http404
    if record is None or record.case.agency_id != user.agency_id:
        raise Http404
    return source_of(record, kind)
