"""Choice rules (top-k wishes, a minimum top-3 share, the price curve) against the independent MIP of
helpers.py, written pair by pair for scipy's milp, with the top-k rule as explicit constraints (not a
restriction of the pairs) and the top-3 share as one more row."""

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegra.matching import GroupShare, InfeasibleError, allocate, allocate_choice, choice_curve, verify

from .helpers import broken_rules, mip_solve

BANDS = [(0.25, 0.75), (0.5, 1.0), (0.0, 0.5)]
SHARES = [0.0, 0.25, 0.5, 0.75, 1.0]  # exact in binary, so the reference's ⌈share·n⌉ is exact too


def reference(
    scores,
    capacity,
    rank,
    *,
    top_k=None,
    required=0,
    group=None,
    band=None,
    cost=None,
    budget=None,
    maximise_top3=False,
):
    """Best objective (or, with maximise_top3, the most top-3 wishes) and an optimal assignment; None if
    infeasible: helpers.mip_solve, with the top-k rule as explicit rows and the share as one more row."""
    low, high, min_assigned = band if band is not None else (0.0, 1.0, 1)
    return mip_solve(
        scores,
        capacity,
        group=group,
        low=low,
        high=high,
        min_assigned=min_assigned,
        cost=cost,
        budget=budget,
        rank=rank,
        top_k=top_k,
        required=required,
        maximise_top3=maximise_top3,
    )


def required_people(share, n):
    return math.ceil(Fraction(repr(share)) * n)


def top3_count(assignment, rank):
    return sum(1 for i, j in enumerate(assignment) if j >= 0 and 1 <= rank[i, j] <= 3)


def random_ranks(rng, n, m):
    """Up to four wishes per person; several options may share a rank (one occupation group)."""
    rank = np.zeros((n, m), dtype=np.int64)
    for i in range(n):
        for place in range(1, rng.integers(0, 5) + 1):
            rank[i, rng.integers(0, m)] = place
    return rank


@st.composite
def instances(draw, sides=True):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = rng.random((n, m))
    scores[rng.random((n, m)) < 0.25] = np.nan
    capacity = rng.integers(0, 4, m)
    rank = random_ranks(rng, n, m)
    side = {}
    if sides and draw(st.booleans()):
        low, high = draw(st.sampled_from(BANDS))
        side.update(group=rng.random(n) < 0.5, band=(low, high, draw(st.integers(0, 2))))
    if sides and draw(st.booleans()):
        side.update(cost=rng.integers(1, 5, m).astype(float), budget=float(draw(st.integers(0, 10))))
    return scores, capacity, rank, side


def engine_side(side):
    out = {}
    if "band" in side:
        low, high, min_assigned = side["band"]
        out.update(group=side["group"], group_share=GroupShare(low, high, min_assigned))
    if "budget" in side:
        out.update(cost=side["cost"], budget=side["budget"])
    return out


def assert_feasible(allocation, scores, capacity, side):
    band = side.get("band")
    assert (
        broken_rules(
            allocation.assignment,
            scores,
            capacity,
            group=side.get("group"),
            share=band,
            cost=side.get("cost"),
            budget=side.get("budget"),
        )
        == set()
    )
    assert verify(allocation.assignment, scores, capacity, **engine_side(side)) == []


def assert_top_k_person_by_person(assignment, scores, rank, top_k):
    for i, j in enumerate(assignment):
        eligible_wishes = [o for o in range(scores.shape[1]) if not np.isnan(scores[i, o]) and 1 <= rank[i, o] <= top_k]
        if j >= 0 and eligible_wishes:
            assert j in eligible_wishes, f"person {i} offered {j}, not one of their top-{top_k} wishes"


@settings(max_examples=60, deadline=None)
@given(instances(), st.integers(1, 3))
def test_the_top_k_rule_gives_the_best_allocation_in_which_everyone_offered_anything_gets_a_top_k_wish(instance, k):
    scores, capacity, rank, side = instance
    allocation = allocate_choice(scores, capacity, rank, top_k=k, mip_rel_gap=0.0, **engine_side(side))
    expected, _ = reference(scores, capacity, rank, top_k=k, **side)
    assert allocation.objective == pytest.approx(expected, abs=1e-7)
    assert_feasible(allocation, scores, capacity, side)
    assert_top_k_person_by_person(allocation.assignment, scores, rank, k)


@settings(max_examples=80, deadline=None)
@given(instances(), st.sampled_from(SHARES), st.sampled_from([None, 1, 2, 3]))
def test_a_minimum_top3_share_gives_the_best_allocation_that_meets_it_or_names_the_reachable_share(instance, share, k):
    scores, capacity, rank, side = instance
    n = scores.shape[0]
    required = required_people(share, n)
    expected = reference(scores, capacity, rank, top_k=k, required=required, **side)
    if expected is None:
        most, _ = reference(scores, capacity, rank, top_k=k, maximise_top3=True, **side)
        with pytest.raises(InfeasibleError) as raised:
            allocate_choice(scores, capacity, rank, top_k=k, min_top3_share=share, mip_rel_gap=0.0, **engine_side(side))
        assert raised.value.constraint == "min_top3_share"
        assert raised.value.detail["reachable"] == round(most) < required
        assert "min_top3_share" in str(raised.value)
        assert f"at most {round(most)} of {n} people" in str(raised.value)
        return
    allocation = allocate_choice(
        scores, capacity, rank, top_k=k, min_top3_share=share, mip_rel_gap=0.0, **engine_side(side)
    )
    assert allocation.objective == pytest.approx(expected[0], abs=1e-7)
    assert top3_count(allocation.assignment, rank) >= required
    assert allocation.extra["top3"] == top3_count(allocation.assignment, rank)
    assert allocation.extra["required_top3"] == required
    assert_feasible(allocation, scores, capacity, side)
    if k is not None:
        assert_top_k_person_by_person(allocation.assignment, scores, rank, k)


def crowded(seed, n=40, m=5):
    """Bigger instances where aspiration and score pull apart, so that the Lagrangian search has work."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n, m))
    scores[rng.random((n, m)) < 0.2] = np.nan
    rank = random_ranks(rng, n, m)
    scores = np.where((rank >= 1) & (rank <= 3), scores * 0.7, scores)  # wishes predicted less well
    capacity = rng.integers(2, 10, m)
    return scores, capacity, rank


@pytest.mark.parametrize("seed", range(12))
def test_on_bigger_instances_every_required_share_gets_its_own_optimum(seed):
    scores, capacity, rank = crowded(seed)
    n = scores.shape[0]
    most, _ = reference(scores, capacity, rank, maximise_top3=True)
    free = allocate(scores, capacity)
    methods = set()
    for required in sorted({top3_count(free.assignment, rank), *np.linspace(0, most, 6).round().astype(int)}):
        share = required / n
        allocation = allocate_choice(scores, capacity, rank, min_top3_share=share, mip_rel_gap=0.0)
        expected, _ = reference(scores, capacity, rank, required=required)  # required / n reads back as required
        assert allocation.objective == pytest.approx(expected, abs=1e-7), (required, allocation.extra)
        assert top3_count(allocation.assignment, rank) >= required
        methods.add(allocation.extra["choice_method"])
    assert methods <= {"flow", "lagrangian", "mip"}


def test_the_lagrangian_search_is_used_and_exact_when_it_hits_the_required_share():
    hits = 0
    for seed in range(12):
        scores, capacity, rank = crowded(seed, n=60, m=6)
        most, _ = reference(scores, capacity, rank, maximise_top3=True)
        free = allocate(scores, capacity)
        required = (top3_count(free.assignment, rank) + round(most)) // 2
        if required <= top3_count(free.assignment, rank):
            continue
        allocation = allocate_choice(scores, capacity, rank, min_top3_share=required / 60, mip_rel_gap=0.0)
        expected, _ = reference(scores, capacity, rank, required=required)
        assert allocation.objective == pytest.approx(expected, abs=1e-7)
        hits += allocation.extra["choice_method"] == "lagrangian"
    assert hits > 0


@settings(max_examples=25, deadline=None)
@given(instances())
def test_the_curve_is_exact_at_each_point_and_prices_it_against_the_free_optimum(instance):
    scores, capacity, rank, side = instance
    n = scores.shape[0]
    points = choice_curve(scores, capacity, rank, mip_rel_gap=0.0, **engine_side(side))
    free, _ = reference(scores, capacity, rank, **side)
    most, _ = reference(scores, capacity, rank, maximise_top3=True, **side)
    assert points[0].required_share is None
    assert points[0].expected == pytest.approx(free, abs=1e-7)
    assert points[0].price == 0.0
    assert points[-1].top3 == round(most)
    previous = -1.0
    for point in points[1:]:
        required = math.ceil(Fraction(point.required_share).limit_denominator(1_000_000) * n)
        expected, _ = reference(scores, capacity, rank, required=required, **side)
        assert point.expected == pytest.approx(expected, abs=1e-7)
        assert point.price == pytest.approx(free - expected, abs=1e-7)
        assert point.top3 >= required and point.top3_share == pytest.approx(point.top3 / n)
        assert point.price >= previous - 1e-7  # a higher share never costs less
        previous = point.price


def test_the_curve_takes_the_shares_asked_and_leaves_out_those_out_of_reach():
    scores, capacity, rank = crowded(3)
    n = scores.shape[0]
    most, _ = reference(scores, capacity, rank, maximise_top3=True)
    points = choice_curve(scores, capacity, rank, shares=[0.25, 0.5, 1.0], mip_rel_gap=0.0)
    asked = [point.required_share for point in points[1:]]
    assert asked == [share for share in (0.25, 0.5) if required_people(share, n) <= most] + [round(most) / n]
    assert [point.top3 for point in points[1:]] == sorted(point.top3 for point in points[1:])


def test_the_curve_keeps_the_top_k_rule_at_every_point():
    scores, capacity, rank = crowded(5)
    points = choice_curve(scores, capacity, rank, top_k=2, mip_rel_gap=0.0)
    free = allocate_choice(scores, capacity, rank, top_k=2, mip_rel_gap=0.0)
    assert points[0].expected == pytest.approx(free.objective)
    for point in points[1:]:
        expected, _ = reference(scores, capacity, rank, top_k=2, required=point.top3)
        assert point.expected == pytest.approx(expected, abs=1e-7)


def test_sparse_scores_are_read_as_their_explicit_entries():
    scores = np.array([[0.9, np.nan], [0.2, 0.8]])
    rank = np.array([[0, 1], [1, 0]])
    sparse = sp.csr_array(([0.9, 0.2, 0.8], ([0, 1, 1], [0, 0, 1])), shape=(2, 2))
    dense = allocate_choice(scores, [1, 1], rank, min_top3_share=0.5)
    assert allocate_choice(sparse, [1, 1], rank, min_top3_share=0.5).objective == pytest.approx(dense.objective)
    assert dense.assignment.tolist() == [0, 1] or top3_count(dense.assignment, rank) >= 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rank": np.zeros((2, 3))}, "rank must have the shape"),
        ({"rank": -np.ones((2, 2))}, "must not be negative"),
        ({"rank": np.full((2, 2), 1.5)}, "whole numbers"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": 1.5}, "top_k"),
        ({"min_top3_share": 1.5}, "min_top3_share"),
        ({"min_top3_share": float("nan")}, "min_top3_share"),
        ({"capacity": [1]}, "capacity"),
        ({"budget": 3.0}, "budget needs cost"),
    ],
)
def test_bad_input_is_refused_naming_what_is_wrong(kwargs, message):
    args = {"scores": np.array([[0.5, 0.4], [0.3, np.nan]]), "capacity": [1, 1], "rank": np.array([[1, 2], [0, 1]])}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        allocate_choice(args.pop("scores"), args.pop("capacity"), args.pop("rank"), **args)


def test_the_curve_refuses_a_share_of_its_own():
    with pytest.raises(ValueError, match="min_top3_share"):
        choice_curve(np.array([[0.5]]), [1], np.array([[1]]), min_top3_share=0.5)


def test_nobody_with_a_top3_wish_is_infeasible_for_any_positive_share():
    scores = np.array([[0.5, 0.4], [0.3, 0.9]])
    with pytest.raises(InfeasibleError) as raised:
        allocate_choice(scores, [1, 1], np.zeros((2, 2), dtype=int), min_top3_share=0.5)
    assert raised.value.constraint == "min_top3_share"
    assert raised.value.detail["reachable"] == 0
    assert raised.value.detail["reachable_share"] == 0.0


def test_when_the_kept_pairs_cannot_meet_the_share_the_mip_is_solved_again_on_all_pairs(monkeypatch):
    from reintegra.matching import mip

    monkeypatch.setattr(mip, "GENERATE_COLUMNS_FROM", 0)  # column generation on every instance
    monkeypatch.setattr(mip, "MIP_REDUCED_COST", -10.0)  # and no pair kept for the MIP at first
    rng = np.random.default_rng(7)
    for _ in range(6):
        scores, capacity, rank = crowded(int(rng.integers(1000)), n=12, m=4)
        group = rng.random(12) < 0.5
        side = {"group": group, "band": (0.25, 0.75, 2)}
        most, _ = reference(scores, capacity, rank, maximise_top3=True, **side)
        required = max(round(most) - 1, 1)
        expected = reference(scores, capacity, rank, required=required, **side)
        allocation = allocate_choice(
            scores, capacity, rank, min_top3_share=required / 12, mip_rel_gap=0.0, **engine_side(side)
        )
        assert allocation.objective == pytest.approx(expected[0], abs=1e-7)
        assert allocation.extra["choice_method"] == "mip"
