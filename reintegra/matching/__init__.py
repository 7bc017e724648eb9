"""Allocation of people to options: pure Python and numpy, no Django. Arrays in, allocation out.

`allocate` maximises the sum of the scores (success probabilities) of the assigned pairs, each person
at most one option and each option at most its capacity; with a group-share band, a budget or a
required number of placements it solves a MIP instead of a flow.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from ._scores import Scores, shape_of
from ._types import Allocation, GroupShare, InfeasibleError, MatchingError, SolverError
from .baselines import greedy, random_allocation
from .choice import CurvePoint, allocate_choice, choice_curve
from .cohort import Cohort, CohortError, parse_cohort, read_cohort
from .constraints import Violation, side_constraints, verify
from .flow import allocate_flow
from .menus import Menus, allocate_menus
from .metrics import Metrics, metrics
from .mip import allocate_mip
from .rolling import STEP, PolicyReport, Timeline, compare, decide, greedy_over_time, hindsight, rolling, timeline
from .simulate import Course, Distribution, Year, generate, parse_arrivals, read_arrivals
from .stable import allocate_stable, justified_envy

__all__ = [
    "Allocation",
    "Cohort",
    "CohortError",
    "CurvePoint",
    "Course",
    "Distribution",
    "GroupShare",
    "InfeasibleError",
    "MatchingError",
    "Menus",
    "Metrics",
    "PolicyReport",
    "SolverError",
    "Timeline",
    "Violation",
    "Year",
    "allocate",
    "allocate_choice",
    "allocate_flow",
    "allocate_menus",
    "allocate_mip",
    "allocate_stable",
    "choice_curve",
    "compare",
    "generate",
    "greedy",
    "greedy_over_time",
    "hindsight",
    "justified_envy",
    "metrics",
    "parse_arrivals",
    "parse_cohort",
    "random_allocation",
    "read_arrivals",
    "read_cohort",
    "rolling",
    "decide",
    "STEP",
    "timeline",
    "verify",
]


def allocate(
    scores: Scores,
    capacity: ArrayLike,
    *,
    group: ArrayLike | None = None,
    group_share: GroupShare | None = None,
    budget: float | None = None,
    cost: ArrayLike | None = None,
    min_assigned_total: int = 0,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    prune: bool | None = None,
) -> Allocation:
    """The allocation with the highest total score under the given constraints.

    `scores`: (people, options) floats with NaN for pairs that are not eligible, or a scipy.sparse
    matrix whose explicit entries are the eligible pairs. `capacity`: seats per option. `group`: a flag
    per person, for `group_share`. `cost` per option and `budget` for the total. `min_assigned_total`:
    at least this many people must be placed (the only way, besides a negative budget, for a request
    to be infeasible: InfeasibleError names the constraint that cannot hold).

    Without side constraints this is a min-cost flow, exact up to rounding the scores to multiples of
    1/scale (at most 1/scale per person, see Allocation.rounding_bound); `time_limit`, `mip_rel_gap` only
    apply to the MIP, `prune` only to the flow.
    """
    n, m = shape_of(scores)
    side = side_constraints(
        n, m, group=group, group_share=group_share, budget=budget, cost=cost, min_assigned_total=min_assigned_total
    )
    if not side.any:
        return allocate_flow(scores, capacity, prune=prune)
    return allocate_mip(
        scores,
        capacity,
        group=group,
        group_share=group_share,
        budget=budget,
        cost=cost,
        min_assigned_total=min_assigned_total,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
    )
