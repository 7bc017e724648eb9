"""Access helpers: every object fetch in a view or an API endpoint goes through here.

An object outside the user's scope is a 404 (Http404), never a 403, so its existence is not
revealed. The rules are in docs/decisions/0008 (network) and 0010 (cases and referrals).

Split by concept: members.py (membership and management), network.py (agencies, services and
reference data), cases.py (cases and referrals), livelihoods.py (options and enrolments).
Import from `reintegra.access`.
"""

from .cases import (
    CASE_OWNER_ROLES,
    CASE_RECEIVER_ROLES,
    CaseAccess,
    case_get_for_user,
    case_list_for_user,
    keeps_cases,
    receives_cases,
    referral_details_withheld,
    referral_get_for_user,
    referral_list_for_user,
    require_case_owner,
    require_case_receiver,
    task_list_for_user,
)
from .livelihoods import (
    EnrolmentAccess,
    allocation_round_get_for_user,
    allocation_round_list_for_user,
    can_add_options,
    can_edit_opportunities_of,
    enrolment_get_for_user,
    enrolment_grants_for_user,
    enrolment_list_for_user,
    follow_up_list_for_user,
    income_enrolment_list_for_user,
    opportunity_get_for_user,
    require_programme_viewer,
    sees_programme_figures,
)
from .members import (
    AnyUser,
    api_token_get_for_user,
    api_token_list_for_user,
    can_manage_network,
    can_manage_staff,
    is_member,
    is_supervisor,
    require_member,
    require_supervisor,
    staff_get_for_user,
    staff_list_for_user,
)
from .network import (
    agency_get_for_user,
    agency_list_for_user,
    can_edit_agency,
    labour_market_get_for_user,
    service_get_for_user,
    service_list_for_user,
)

__all__ = [
    "api_token_get_for_user",
    "api_token_list_for_user",
    "allocation_round_get_for_user",
    "allocation_round_list_for_user",
    "can_add_options",
    "require_programme_viewer",
    "sees_programme_figures",
    "AnyUser",
    "CASE_OWNER_ROLES",
    "CASE_RECEIVER_ROLES",
    "CaseAccess",
    "EnrolmentAccess",
    "can_edit_opportunities_of",
    "enrolment_get_for_user",
    "enrolment_grants_for_user",
    "enrolment_list_for_user",
    "follow_up_list_for_user",
    "income_enrolment_list_for_user",
    "opportunity_get_for_user",
    "agency_get_for_user",
    "agency_list_for_user",
    "can_edit_agency",
    "can_manage_network",
    "can_manage_staff",
    "case_get_for_user",
    "case_list_for_user",
    "is_member",
    "labour_market_get_for_user",
    "referral_details_withheld",
    "referral_get_for_user",
    "referral_list_for_user",
    "require_case_owner",
    "require_case_receiver",
    "keeps_cases",
    "receives_cases",
    "is_supervisor",
    "require_member",
    "require_supervisor",
    "service_get_for_user",
    "service_list_for_user",
    "staff_get_for_user",
    "staff_list_for_user",
    "task_list_for_user",
]
