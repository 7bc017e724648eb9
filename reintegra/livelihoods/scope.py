"""What one user may see and do on one enrolment: decided by the access layer (reintegra/access),
handed to the services as proof that the decision was made."""

from dataclasses import dataclass

from reintegra.cases.scope import CaseAccess

from .models import Enrolment


@dataclass(frozen=True)
class EnrolmentAccess:
    enrolment: Enrolment
    own: bool  # a caseworker or supervisor of the agency that owns the case
    provider: bool  # staff of the option's provider, the person being referred to them

    @property
    def can_record_progress(self) -> bool:
        """Enrolment, stipends, drop-out, completion and placement."""
        return self.own or self.provider

    @classmethod
    def of_own_case(cls, access: CaseAccess, enrolment: Enrolment) -> "EnrolmentAccess":
        """The agency that keeps a case holds every enrolment of that case."""
        if not access.own or enrolment.case_id != access.case.pk:
            raise ValueError("Only the case's own agency holds its enrolments by right.")
        return cls(enrolment=enrolment, own=True, provider=False)
