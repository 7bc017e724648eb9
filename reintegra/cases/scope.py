"""What one user may see and do on one case: decided by the access layer (reintegra/access), handed
to the services as proof that the decision was made."""

from dataclasses import dataclass

from reintegra.accounts.models import Role

from .models import Case


@dataclass(frozen=True)
class CaseAccess:
    case: Case
    own: bool
    categories: frozenset[str]
    role: str
    viewer_agency_id: int

    @property
    def can_edit(self) -> bool:
        return self.own

    @property
    def is_supervisor(self) -> bool:
        return self.own and self.role == Role.SUPERVISOR

    def sees(self, category: str) -> bool:
        return category in self.categories
