"""What one user may see and do on one enrolment: decided by the access layer (reintegra/access),
handed to the services as proof that the decision was made."""

from dataclasses import dataclass

from reintegra.cases.choices import DataCategory
from reintegra.cases.scope import CaseAccess
from reintegra.referrals.models import Referral

from .models import Enrolment


@dataclass(frozen=True)
class EnrolmentAccess:
    enrolment: Enrolment
    own: bool  # a caseworker or supervisor of the agency that owns the case
    provider: bool  # staff of the option's provider, the person being referred to them
    supervisor: bool = False  # a supervisor of the agency that owns the case (withdraws offers)
    # The provider holds it only through a completed referral, while work on it remains (decisions/0018).
    residual: bool = False
    # Reads and records the income follow-ups: the case's agency always, the provider only when the
    # referral it holds the enrolment by shares the livelihood category (access.income_enrolment_list_for_user).
    reads_income: bool = False

    @property
    def can_record_progress(self) -> bool:
        """Enrolment, stipends, drop-out, completion, placement and income follow-ups."""
        return self.own or self.provider

    @classmethod
    def of_own_case(cls, access: CaseAccess, enrolment: Enrolment) -> "EnrolmentAccess":
        """The agency that keeps a case holds every enrolment of that case."""
        if not access.own or enrolment.case_id != access.case.pk:
            raise ValueError("Only the case's own agency holds its enrolments by right.")
        return cls(enrolment=enrolment, own=True, provider=False, supervisor=access.is_supervisor, reads_income=True)

    @classmethod
    def of_referral(cls, referral: Referral, enrolment: Enrolment) -> "EnrolmentAccess":
        """The agency an active referral went to holds the person's enrolments on its own options."""
        if (
            enrolment.case_id != referral.case_id
            or enrolment.opportunity.provider_id != referral.to_agency_id
            or not referral.gives_access()
        ):
            raise ValueError("Only an active referral to the option's provider gives it the enrolment.")
        return cls(
            enrolment=enrolment,
            own=False,
            provider=True,
            reads_income=DataCategory.LIVELIHOOD in referral.categories,
        )
