"""The plan check: does the plan answer what the returnee said matters most?"""

from dataclasses import dataclass

from .choices import Domain, Priority
from .models import Plan, PriorityRanking


@dataclass(frozen=True)
class Flag:
    priority: str
    rank: int
    critical: bool  # income or work is a top-3 priority and the plan has no economic goal


def plan_flags(*, plan: Plan | None, ranking: PriorityRanking | None) -> list[Flag]:
    """Every top-3 priority that no goal serves. Income without an economic goal is critical."""
    if ranking is None:
        return []
    goals = list(plan.goals.all()) if plan is not None else []
    served = {p for g in goals for p in g.priorities}
    has_economic = any(g.domain == Domain.ECONOMIC for g in goals)
    flags = []
    for rank, priority in enumerate(ranking.top3, start=1):
        critical = priority == Priority.INCOME and not has_economic
        if priority not in served or critical:
            flags.append(Flag(priority=priority, rank=rank, critical=critical))
    return flags
