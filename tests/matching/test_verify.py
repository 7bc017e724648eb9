"""The engine's `verify`, held to assignments built by hand to break one rule each, and to the
independent checker of tests/matching/helpers.py on random assignments."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegra.matching import GroupShare, verify

from .helpers import broken_rules

# Three people, two options; person 2 may not go to option 1.
SCORES = np.array([[0.9, 0.5], [0.8, 0.4], [0.7, np.nan]])
WOMEN = np.array([True, False, False])


def named(violations):
    return [(v.constraint, v.option) for v in violations]


def test_an_assignment_that_keeps_every_rule_has_no_violation():
    # option 0: a woman and a man (half from the group); option 1: one man, below min_assigned; 210 spent
    share, cost = (0.5, 1.0, 2), [100, 10]
    kept = dict(group=WOMEN, cost=cost, budget=210, min_assigned_total=3)
    assert verify([0, 1, 0], SCORES, [2, 1], group_share=GroupShare(*share), **kept) == []
    assert broken_rules([0, 1, 0], SCORES, [2, 1], share=share, **kept) == set()


def test_it_reports_a_person_placed_in_an_option_they_are_not_eligible_for():
    assert named(verify([-1, -1, 1], SCORES, [3, 3])) == [("eligibility", 1)]


def test_it_reports_an_option_that_does_not_exist():
    assert named(verify([-1, 2, -1], SCORES, [3, 3])) == [("eligibility", None)]


def test_it_reports_an_assignment_of_the_wrong_length():
    assert named(verify([0, 0], SCORES, [3, 3])) == [("eligibility", None)]


def test_it_reports_an_option_given_more_people_than_seats():
    violations = verify([1, 1, 0], SCORES, [3, 1])
    assert named(violations) == [("capacity", 1)]
    assert "2 people for 1 seats" in str(violations[0])


def test_it_reports_an_option_whose_group_share_is_below_the_band():
    # option 0 holds the two men only: 0 of 2 from the group, at least half required
    violations = verify([1, 0, 0], SCORES, [3, 3], group=WOMEN, group_share=GroupShare(0.5, 1.0, 2))
    assert named(violations) == [("group_share", 0)]


def test_it_reports_an_option_whose_group_share_is_above_the_band():
    both = np.array([True, True, False])
    violations = verify([0, 0, -1], SCORES, [3, 3], group=both, group_share=GroupShare(0.0, 0.5, 2))
    assert named(violations) == [("group_share", 0)]


def test_the_band_exempts_options_with_fewer_than_min_assigned_people():
    assert verify([1, 0, 0], SCORES, [3, 3], group=WOMEN, group_share=GroupShare(0.5, 1.0, 3)) == []


def test_it_reports_a_budget_overspent_by_one_unit():
    violations = verify([0, 0, 0], SCORES, [3, 3], cost=[100, 10], budget=299)
    assert named(violations) == [("budget", None)]
    assert verify([0, 0, 0], SCORES, [3, 3], cost=[100, 10], budget=300) == []


def test_it_reports_fewer_placements_than_required():
    violations = verify([0, -1, -1], SCORES, [3, 3], min_assigned_total=2)
    assert named(violations) == [("min_assigned_total", None)]


def test_it_reports_every_rule_an_assignment_breaks_at_once():
    violations = verify(
        [0, 0, 1], SCORES, [1, 3], group=WOMEN, group_share=GroupShare(0.5, 1.0, 2), cost=[100, 10], budget=150
    )
    assert sorted(named(violations), key=str) == sorted(
        [("eligibility", 1), ("capacity", 0), ("budget", None)], key=str
    )


@st.composite
def assignments(draw):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = rng.random((n, m))
    scores[rng.random((n, m)) < 0.3] = np.nan
    assignment = rng.integers(-1, m, n)
    capacity = rng.integers(0, 4, m)
    group = rng.random(n) < 0.5
    low, high = draw(st.sampled_from([(0.25, 0.75), (0.5, 1.0), (0.0, 0.5), (0.3, 0.7)]))
    min_assigned = draw(st.integers(0, 3))
    cost = rng.integers(0, 5, m).astype(float)
    budget = float(draw(st.integers(0, 12)))
    total = draw(st.integers(0, n))
    return assignment, scores, capacity, group, (low, high, min_assigned), cost, budget, total


@settings(max_examples=200, deadline=None)
@given(assignments())
def test_verify_names_exactly_the_rules_the_independent_checker_finds_broken(case):
    assignment, scores, capacity, group, share, cost, budget, total = case
    reported = verify(
        assignment,
        scores,
        capacity,
        group=group,
        group_share=GroupShare(*share),
        cost=cost,
        budget=budget,
        min_assigned_total=total,
    )
    expected = broken_rules(
        assignment, scores, capacity, group=group, share=share, cost=cost, budget=budget, min_assigned_total=total
    )
    assert {v.constraint for v in reported} == expected
