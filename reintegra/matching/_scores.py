"""Score matrices in, eligible pairs out.

A dense matrix marks ineligible pairs with NaN; a scipy.sparse matrix lists the eligible pairs as its
explicit entries (an explicit 0.0 is eligible). Both become `Pairs`: row-major arrays of the eligible
pairs, which every solver and metric reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from ._types import FloatArray, IntArray

Scores: TypeAlias = "NDArray[np.floating[Any]] | sp.sparray | sp.spmatrix | ArrayLike"


@dataclass(frozen=True)
class Pairs:
    """Eligible pairs sorted by person; `indptr[i]:indptr[i+1]` are the pairs of person i."""

    n_people: int
    n_options: int
    person: IntArray
    option: IntArray
    score: FloatArray
    indptr: IntArray

    @property
    def size(self) -> int:
        return int(self.person.size)


def is_sparse(scores: object) -> bool:
    return sp.issparse(scores)


def dense_scores(scores: Scores) -> FloatArray:
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"scores must be a 2-d matrix (people, options), got shape {matrix.shape}")
    if np.isinf(matrix).any():
        raise ValueError("scores must be finite numbers or NaN (not eligible)")
    return matrix


def to_pairs(scores: Scores) -> Pairs:
    if is_sparse(scores):
        csr = sp.csr_array(scores)  # type: ignore[arg-type]
        csr.sum_duplicates()
        n, m = csr.shape
        counts = np.diff(csr.indptr).astype(np.int64)
        person = np.repeat(np.arange(n, dtype=np.int64), counts)
        option = csr.indices.astype(np.int64)
        score = csr.data.astype(np.float64)
        if np.isinf(score).any():
            raise ValueError("scores must be finite numbers or NaN (not eligible)")
        keep = ~np.isnan(score)
        if not keep.all():
            person, option, score = person[keep], option[keep], score[keep]
    else:
        matrix = dense_scores(scores)
        n, m = matrix.shape
        person, option = np.nonzero(~np.isnan(matrix))
        person = person.astype(np.int64)
        option = option.astype(np.int64)
        score = matrix[person, option]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(person, minlength=n), out=indptr[1:])
    return Pairs(int(n), int(m), person, option, score, indptr)


def shape_of(scores: Scores) -> tuple[int, int]:
    if is_sparse(scores):
        n, m = scores.shape  # type: ignore[union-attr]
        return int(n), int(m)
    matrix = np.asarray(scores)
    if matrix.ndim != 2:
        raise ValueError(f"scores must be a 2-d matrix (people, options), got shape {matrix.shape}")
    return int(matrix.shape[0]), int(matrix.shape[1])


def check_capacity(capacity: ArrayLike, n_options: int) -> IntArray:
    cap = np.asarray(capacity)
    if cap.shape != (n_options,):
        raise ValueError(f"capacity must have one entry per option ({n_options}), got shape {cap.shape}")
    if cap.size and not np.all(cap == np.floor(cap)):
        raise ValueError("capacities must be whole numbers")
    cap = cap.astype(np.int64)
    if (cap < 0).any():
        raise ValueError(f"capacity of option {int(np.argmax(cap < 0))} is negative")
    return cap


def pair_scores(scores: Scores, assignment: IntArray) -> FloatArray:
    """Score of each person's assigned pair (0 for the unassigned); NaN marks an ineligible assignment."""
    n = assignment.size
    out = np.zeros(n, dtype=np.float64)
    who = np.flatnonzero(assignment >= 0)
    if who.size == 0:
        return out
    if is_sparse(scores):
        pairs = to_pairs(scores)
        key = pairs.person * pairs.n_options + pairs.option  # sorted: pairs are row-major
        want = who.astype(np.int64) * pairs.n_options + assignment[who]
        values = np.full(who.size, np.nan)
        if key.size:
            pos = np.minimum(np.searchsorted(key, want), key.size - 1)
            found = key[pos] == want
            values[found] = pairs.score[pos[found]]
        out[who] = values
    else:
        matrix = dense_scores(scores)
        out[who] = matrix[who, assignment[who]]
    return out
