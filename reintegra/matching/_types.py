"""The shapes every part of the engine shares: the allocation, the side constraints and the errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class GroupShare:
    """Bounds on the share of a group among the people assigned to an option.

    They apply only to options that receive at least `min_assigned` people: a share among two or three
    people says little, and demanding it would close small options to everybody.
    """

    min: float = 0.0
    max: float = 1.0
    min_assigned: int = 1

    def __post_init__(self) -> None:
        if not (0.0 <= self.min <= 1.0 and 0.0 <= self.max <= 1.0):
            raise ValueError(f"group shares must lie in [0, 1], got min={self.min}, max={self.max}")
        if self.min > self.max:
            raise ValueError(f"group share min {self.min} is above max {self.max}")
        if self.min_assigned < 0:
            raise ValueError(f"min_assigned must not be negative, got {self.min_assigned}")


@dataclass(frozen=True)
class Allocation:
    """Who goes where. `assignment[i]` is the option index of person i, or -1 when unassigned.

    `objective` is the sum of the (unrounded) scores of the assigned pairs. For the min-cost flow,
    `scale` is the factor the scores were rounded with and `scaled_objective` the exact optimum in those
    integer units; the true optimum exceeds `objective` by at most `rounding_bound` (1/scale per person).
    For the MIP, `lp_bound` is the LP-relaxation bound of the full problem (an upper bound on any
    allocation), so `objective / lp_bound` bounds the distance to the true optimum.
    """

    assignment: IntArray
    objective: float
    solver: str
    status: str = "optimal"
    seconds: float = 0.0
    lp_bound: float | None = None
    mip_bound: float | None = None
    scale: float | None = None
    scaled_objective: int | None = None
    rounding_bound: float | None = None
    rounds: int = 0
    arcs: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def assigned(self) -> int:
        return int(np.count_nonzero(self.assignment >= 0))


class MatchingError(Exception):
    """Base of the engine's errors."""


class InfeasibleError(MatchingError):
    """No allocation satisfies the request. `constraint` names the constraint that cannot hold:
    "min_assigned_total" (not enough eligible seats), "budget", "group_share", or "budget+group_share"
    when each holds alone but not both together; `option` is set when a single option is to blame."""

    def __init__(self, constraint: str, message: str, *, option: int | None = None, **detail: Any) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.option = option
        self.detail = detail


class SolverError(MatchingError):
    """A solver returned something the engine cannot use (a bug or a limit, never the user's input)."""
