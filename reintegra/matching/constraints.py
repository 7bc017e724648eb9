"""Side constraints, checked exactly: the verifier every allocation can be held to."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from ._scores import Pairs, Scores, check_capacity, to_pairs
from ._types import BoolArray, FloatArray, GroupShare, IntArray

MAX_DENOMINATOR = 1_000_000
# Budgets with non-integer costs are compared with this relative slack (float sums); whole-number
# costs, the usual case (money in whole units), are compared exactly.
BUDGET_RTOL = 1e-12


def share_fraction(value: float) -> Fraction:
    """The share as an exact fraction: 0.3 is 3/10, so 10·g ≥ 3·n is checked exactly in integers."""
    return Fraction(value).limit_denominator(MAX_DENOMINATOR)


@dataclass(frozen=True)
class SideConstraints:
    group: BoolArray | None
    share: GroupShare | None
    cost: FloatArray | None
    budget: float | None
    min_assigned_total: int

    @property
    def banded(self) -> bool:
        return self.share is not None and (self.share.min > 0 or self.share.max < 1)

    @property
    def any(self) -> bool:
        return self.banded or self.budget is not None or self.min_assigned_total > 0


def side_constraints(
    n_people: int,
    n_options: int,
    *,
    group: ArrayLike | None = None,
    group_share: GroupShare | None = None,
    budget: float | None = None,
    cost: ArrayLike | None = None,
    min_assigned_total: int = 0,
) -> SideConstraints:
    members = None
    if group is not None:
        members = np.asarray(group, dtype=bool)
        if members.shape != (n_people,):
            raise ValueError(f"group must have one flag per person ({n_people}), got shape {members.shape}")
    if group_share is not None and members is None:
        raise ValueError("group_share needs group: a flag per person")
    costs = None
    if cost is not None:
        costs = np.asarray(cost, dtype=np.float64)
        if costs.shape != (n_options,):
            raise ValueError(f"cost must have one entry per option ({n_options}), got shape {costs.shape}")
        if not np.isfinite(costs).all() or (costs < 0).any():
            raise ValueError("costs must be finite and not negative")
    if budget is not None:
        if costs is None:
            raise ValueError("budget needs cost: a cost per option")
        if not math.isfinite(budget):
            raise ValueError("budget must be a finite number")
    if min_assigned_total < 0:
        raise ValueError("min_assigned_total must not be negative")
    return SideConstraints(members, group_share, costs, None if budget is None else float(budget), min_assigned_total)


def band_options(cap: IntArray, share: GroupShare) -> IntArray:
    """Options the band can apply to: those that can hold at least min_assigned people."""
    return np.flatnonzero(cap >= max(share.min_assigned, 1)).astype(np.int64)


@dataclass(frozen=True)
class Violation:
    constraint: str  # "eligibility", "capacity", "group_share", "budget", "min_assigned_total"
    option: int | None
    detail: str

    def __str__(self) -> str:
        where = "" if self.option is None else f" at option {self.option}"
        return f"{self.constraint}{where}: {self.detail}"


def budget_used(assignment: IntArray, cost: FloatArray) -> float:
    spent = cost[assignment[assignment >= 0]]
    if np.all(spent == np.rint(spent)) and np.abs(spent).sum() < 2.0**53:
        return float(int(spent.astype(np.int64).sum()))
    return math.fsum(spent.tolist())


def violations(assignment: IntArray, pairs: Pairs, cap: IntArray, side: SideConstraints) -> list[Violation]:
    """Every constraint the assignment breaks, checked in exact arithmetic."""
    found: list[Violation] = []
    n, m = pairs.n_people, pairs.n_options
    if assignment.shape != (n,):
        return [Violation("eligibility", None, f"assignment has shape {assignment.shape}, not ({n},)")]
    who = np.flatnonzero(assignment >= 0)
    if (assignment >= m).any():
        return [Violation("eligibility", None, "assignment names an option that does not exist")]
    eligible = np.isin(who * m + assignment[who], pairs.person * m + pairs.option)
    for i in who[~eligible][:10]:
        found.append(Violation("eligibility", int(assignment[i]), f"person {int(i)} is not eligible"))
    count = np.bincount(assignment[who], minlength=m)
    for j in np.flatnonzero(count > cap):
        found.append(Violation("capacity", int(j), f"{int(count[j])} people for {int(cap[j])} seats"))
    if side.banded and side.share is not None and side.group is not None:
        members = np.bincount(assignment[who], weights=side.group[who], minlength=m).astype(np.int64)
        low, high = share_fraction(side.share.min), share_fraction(side.share.max)
        floor = max(side.share.min_assigned, 1)
        for j in np.flatnonzero(count >= floor):
            g, total = int(members[j]), int(count[j])
            if g * low.denominator < low.numerator * total or g * high.denominator > high.numerator * total:
                found.append(Violation("group_share", int(j), f"{g} of {total} outside [{low}, {high}]"))
    if side.budget is not None and side.cost is not None:
        used = budget_used(assignment, side.cost)
        if used > side.budget + BUDGET_RTOL * max(1.0, abs(side.budget)):
            found.append(Violation("budget", None, f"{used} spent of {side.budget}"))
    if who.size < side.min_assigned_total:
        found.append(Violation("min_assigned_total", None, f"{who.size} assigned, {side.min_assigned_total} required"))
    return found


def verify(
    assignment: ArrayLike,
    scores: Scores,
    capacity: ArrayLike,
    *,
    group: ArrayLike | None = None,
    group_share: GroupShare | None = None,
    budget: float | None = None,
    cost: ArrayLike | None = None,
    min_assigned_total: int = 0,
) -> list[Violation]:
    """Every constraint `assignment` breaks (eligibility, capacity, then the side constraints); [] if none."""
    pairs = to_pairs(scores)
    cap = check_capacity(capacity, pairs.n_options)
    side = side_constraints(
        pairs.n_people,
        pairs.n_options,
        group=group,
        group_share=group_share,
        budget=budget,
        cost=cost,
        min_assigned_total=min_assigned_total,
    )
    return violations(np.asarray(assignment, dtype=np.int64), pairs, cap, side)
