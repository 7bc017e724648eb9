"""How good an allocation is for the people in it, beyond its total score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._scores import Scores, pair_scores, shape_of
from ._types import Allocation


@dataclass(frozen=True)
class Metrics:
    expected_placements: float  # sum of the success probabilities of the assigned pairs
    top3_aspiration_share: float | None  # of the people whose aspirations are known
    stipend_coverage: float | None  # of the people who need income now: share placed with a stipend
    duncan_index: float | None  # dissimilarity of the group across options, 0 (even) to 1 (apart)
    group_share_min: float | None  # over options with at least min_assigned people
    group_share_max: float | None
    seconds: float

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


def duncan_index(assignment: ArrayLike, group: ArrayLike, n_options: int) -> float | None:
    """0.5 · Σ_j |g_j/G − n_j/N| over the assigned people, g of the group and n not; None if either is empty."""
    chosen = np.asarray(assignment, dtype=np.int64)
    members = np.asarray(group, dtype=bool)
    placed = chosen >= 0
    g = np.bincount(chosen[placed & members], minlength=n_options).astype(np.float64)
    o = np.bincount(chosen[placed & ~members], minlength=n_options).astype(np.float64)
    if g.sum() == 0 or o.sum() == 0:
        return None
    return float(0.5 * np.abs(g / g.sum() - o / o.sum()).sum())


def group_shares(assignment: ArrayLike, group: ArrayLike, n_options: int, min_assigned: int = 1) -> np.ndarray:
    """The group's share among the people of each option that has at least min_assigned of them (else NaN)."""
    chosen = np.asarray(assignment, dtype=np.int64)
    members = np.asarray(group, dtype=bool)
    placed = chosen >= 0
    total = np.bincount(chosen[placed], minlength=n_options)
    g = np.bincount(chosen[placed & members], minlength=n_options)
    shares = np.full(n_options, np.nan)
    counted = total >= max(min_assigned, 1)
    shares[counted] = g[counted] / total[counted]
    return shares


def metrics(
    allocation: Allocation,
    scores: Scores,
    *,
    group: ArrayLike | None = None,
    aspirations: Sequence[Sequence[int]] | None = None,
    needs_income: ArrayLike | None = None,
    stipend: ArrayLike | None = None,
    min_assigned: int = 1,
) -> Metrics:
    """`aspirations[i]` lists person i's wished options, most wished first (empty when unknown)."""
    assignment = allocation.assignment
    n = assignment.size
    m = shape_of(scores)[1]
    placements = float(np.nansum(pair_scores(scores, assignment)))
    top3 = None
    if aspirations is not None:
        known = [i for i in range(n) if len(aspirations[i]) > 0]
        if known:
            hits = sum(1 for i in known if assignment[i] >= 0 and int(assignment[i]) in list(aspirations[i])[:3])
            top3 = hits / len(known)
    coverage = None
    if needs_income is not None and stipend is not None:
        needy = np.asarray(needs_income, dtype=bool)
        if needy.any():
            paid = np.asarray(stipend, dtype=np.float64) > 0
            placed = assignment >= 0
            covered = needy & placed & paid[np.where(placed, assignment, 0)]
            coverage = float(covered.sum() / needy.sum())
    duncan = share_min = share_max = None
    if group is not None:
        duncan = duncan_index(assignment, group, m)
        shares = group_shares(assignment, group, m, min_assigned)
        if not np.isnan(shares).all():
            share_min, share_max = float(np.nanmin(shares)), float(np.nanmax(shares))
    return Metrics(placements, top3, coverage, duncan, share_min, share_max, allocation.seconds)
