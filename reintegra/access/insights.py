"""Who reads the insights, and over which cases (issue 13; decisions/0026).

M&E analysts and network coordinators read aggregates of the whole network; a supervisor reads
those of their own agency, and the caseload of its workers. Nobody else reads them (403). Every
figure is an aggregate with its small cells suppressed: no page of the insights shows a person.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from reintegra.accounts.models import Role, User

from .members import AnyUser, require_member

INSIGHTS_ROLES = (Role.SUPERVISOR, Role.ME_ANALYST, Role.NETWORK_COORDINATOR)


@dataclass(frozen=True)
class InsightsScope:
    user: User
    agency_id: int | None  # None: the whole network

    @property
    def whole_network(self) -> bool:
        return self.agency_id is None


def reads_insights(user: AnyUser) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) in INSIGHTS_ROLES


def insights_scope_for_user(user: AnyUser) -> InsightsScope:
    """The cases a reader's aggregates count; anyone who reads no insights is refused (403)."""
    member = require_member(user)
    if member.role not in INSIGHTS_ROLES:
        raise PermissionDenied
    if member.role == Role.SUPERVISOR:
        return InsightsScope(user=member, agency_id=member.agency_id)
    return InsightsScope(user=member, agency_id=None)


def require_caseload_viewer(user: AnyUser) -> InsightsScope:
    """The caseload names the agency's own workers: its supervisors only."""
    scope = insights_scope_for_user(user)
    if scope.agency_id is None:
        raise PermissionDenied
    return scope
