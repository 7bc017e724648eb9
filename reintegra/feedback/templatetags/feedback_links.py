"""The "feedback link" button on the referral, enrolment and plan pages (issue 16), shown to the
case's own caseworkers and supervisors once the service is complete."""

from typing import Any

from django import template
from django.core.exceptions import ValidationError

from reintegra.accounts.models import CASE_OWNER_ROLES
from reintegra.feedback.choices import ServiceKind
from reintegra.feedback.services import source_of

register = template.Library()


def offered_kinds(user: Any, record: Any, kinds: list[str]) -> list[tuple[str, str]]:
    if not getattr(user, "is_authenticated", False) or user.role not in CASE_OWNER_ROLES:
        return []
    if record is None or record.case.agency_id != user.agency_id:
        return []
    offered = []
    for kind in kinds:
        try:
            source_of(record, kind)
        except ValidationError:
            continue
        offered.append((kind, str(ServiceKind(kind).label)))
    return offered


@register.inclusion_tag("feedback/_button.html", takes_context=True)
def feedback_button(context: dict[str, Any], record: Any, *kinds: str) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "record": record,
        "offered": offered_kinds(user, record, list(kinds)),
        "csrf_token": context.get("csrf_token"),
    }
