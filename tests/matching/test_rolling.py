"""Allocation over time (matching.rolling) and the year it is replayed on (matching.simulate).

The policies are checked against an independent feasibility check written loop by loop and an
independent LP of the hindsight problem (tests/matching/helpers.py), on many random small timelines.
"""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegra.matching import (
    CohortError,
    Course,
    Distribution,
    compare,
    generate,
    greedy_over_time,
    hindsight,
    parse_arrivals,
    rolling,
    timeline,
)
from reintegra.matching.rolling import report

from .helpers import lp_optimum

TOLERANCE = 1e-6  # rounding of the flow (2^-30 per person) and the LP's precision, far below one pair


def random_timeline(seed: int, *, same_day: bool = False):
    rng = np.random.default_rng(seed)
    n, r = int(rng.integers(0, 14)), int(rng.integers(1, 7))
    scores = rng.random((n, r))
    if rng.random() < 0.5:
        scores = np.round(scores, 1)  # ties
    scores[rng.random((n, r)) < rng.uniform(0, 0.6)] = np.nan
    return timeline(
        arrival=np.zeros(n, dtype=int) if same_day else rng.integers(0, 40, n),
        max_wait=rng.integers(0, 30, n),
        scores=scores,
        start=rng.integers(0, 60, r),
        seats=rng.integers(0, 4, r),
        rank=rng.integers(0, 4, (n, r)),
        woman=rng.random(n) < 0.5,
        needs_income=rng.random(n) < 0.5,
        occupation=rng.integers(0, 3, r),
        stipend=np.where(rng.random(r) < 0.5, 3000.0, 0.0),
    )


def allowed(tl, i: int, j: int) -> bool:
    """Written out, not the engine's window: open to the person, starts on or after arrival, within the wait."""
    return (
        not np.isnan(tl.scores[i, j]) and tl.start[j] >= tl.arrival[i] and tl.start[j] <= tl.arrival[i] + tl.max_wait[i]
    )


def problems(tl, assignment) -> list[str]:
    found = []
    used = [0] * tl.rounds
    for i, j in enumerate(assignment.tolist()):
        if j < 0:
            continue
        used[j] += 1
        if not allowed(tl, i, j):
            found.append(f"person {i} in round {j} outside their window or not eligible")
    for j in range(tl.rounds):
        if used[j] > tl.seats[j]:
            found.append(f"round {j} has {used[j]} people for {tl.seats[j]} seats")
    return found


def windowed(tl) -> np.ndarray:
    out = np.full(tl.scores.shape, np.nan)
    for i in range(tl.people):
        for j in range(tl.rounds):
            if allowed(tl, i, j):
                out[i, j] = tl.scores[i, j]
    return out


POLICIES = {
    "greedy": greedy_over_time,
    "hindsight": hindsight,
    "rolling": lambda tl: rolling(tl, seed=1),
    "rolling_3_samples": lambda tl: rolling(tl, samples=3, seed=2),
    "rolling_no_sample": lambda tl: rolling(tl, samples=0),
    "rolling_every_3_days": lambda tl: rolling(tl, step=3, seed=3, arrival_rate=0.5, arrivals_until=45),
}


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_no_policy_overfills_a_round_or_places_anyone_outside_their_window(seed):
    tl = random_timeline(seed)
    for name, policy in POLICIES.items():
        allocation = policy(tl)
        assert problems(tl, allocation.assignment) == [], name
        placed = allocation.assignment >= 0
        assert allocation.objective == pytest.approx(
            float(sum(tl.scores[i, allocation.assignment[i]] for i in np.flatnonzero(placed)))
        )


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_hindsight_is_the_optimum_and_bounds_the_online_policies(seed):
    tl = random_timeline(seed)
    best = hindsight(tl).objective
    assert best == pytest.approx(lp_optimum(windowed(tl), tl.seats), abs=TOLERANCE)
    for name, policy in POLICIES.items():
        assert policy(tl).objective <= best + TOLERANCE, name


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_rolling_equals_hindsight_when_everybody_arrives_on_day_zero(seed):
    tl = random_timeline(seed, same_day=True)
    best = lp_optimum(windowed(tl), tl.seats)
    for samples in (0, 1, 3):
        assert rolling(tl, samples=samples, seed=seed).objective == pytest.approx(best, abs=TOLERANCE)


def test_greedy_takes_the_first_comers_best_round_and_rolling_holds_the_seat():
    # One seat at day 14. Anna arrives first and would take it (0.3); Ben arrives at day 7 and does
    # far better there (0.9). Anna can also join a round at day 21 (0.25) and Ben cannot.
    tl = timeline(
        arrival=[0, 7],
        max_wait=[30, 10],
        scores=[[0.3, 0.25], [0.9, np.nan]],
        start=[14, 21],
        seats=[1, 1],
    )
    assert greedy_over_time(tl).assignment.tolist() == [0, -1]
    assert hindsight(tl).assignment.tolist() == [1, 0]
    # Anna can wait, so nothing is decided for her at day 0; by day 14 Ben has come.
    assert rolling(tl, samples=0).assignment.tolist() == [1, 0]
    assert rolling(tl, seed=4).assignment.tolist() == [1, 0]


def test_a_person_who_cannot_wait_is_decided_at_once():
    # Cleo's window closes at day 5, before the next decision: she is decided at day 0 and gets the
    # day-3 round; Dan comes after it started.
    tl = timeline(arrival=[0, 6], max_wait=[5, 30], scores=[[0.2], [0.9]], start=[3], seats=[1])
    assert rolling(tl).assignment.tolist() == [0, -1]


def test_days_far_apart_cost_no_empty_weeks():
    far = 10**12
    tl = timeline(
        arrival=[0, far], max_wait=[10, far], scores=[[0.5, 0.4], [0.3, 0.6]], start=[3, 2 * far], seats=[1, 1]
    )
    allocation = rolling(tl, seed=1)
    assert allocation.assignment.tolist() == [0, 1]
    assert allocation.extra["decisions"] <= 3


def test_the_same_seed_gives_the_same_decisions_and_another_seed_may_differ():
    dist = small_distribution()
    one = generate(dist, people=400, seed=5).timeline
    again = generate(dist, people=400, seed=5).timeline
    other = generate(dist, people=400, seed=6).timeline
    assert np.array_equal(one.arrival, again.arrival)
    assert np.array_equal(one.scores, again.scores, equal_nan=True)
    assert not np.array_equal(one.arrival, other.arrival)
    first = rolling(one, samples=2, seed=9).assignment
    assert np.array_equal(first, rolling(again, samples=2, seed=9).assignment)


def small_distribution(**changes):
    values = {
        "courses": (
            Course(occupation="74", country="TH", seats=6, weeks=4, stipend=4500, demand=0.9, track_record=0.6),
            Course(occupation="75", country="TH", seats=8, weeks=6, demand=0.4, track_record=0.3),
            Course(occupation="42", country="PH", seats=5, weeks=2, stipend=17000, demand=0.7, track_record=0.6),
        ),
        "wishes": ("74", "75", "42", "51"),
        "experience": ("74", "75", "71", "42"),
        "women_pull": {"75": 2.0, "74": 0.5},
    }
    values.update(changes)
    return Distribution(**values)


def test_a_generated_year_follows_its_parameters():
    year = generate(small_distribution(), people=300, days=100, seed=1)
    tl = year.timeline
    assert tl.people == 300
    assert tl.arrival.min() >= 0 and tl.arrival.max() < 100
    assert (tl.start % 7 == 0).all()  # rounds start on decision days
    needy = tl.needs_income
    assert set(tl.max_wait[needy].tolist()) <= {14, 30, 45}
    assert set(tl.max_wait[~needy].tolist()) <= {30, 60, 90}
    # People are only eligible for their country's courses: every person has NaN for one country.
    th = np.array([rid.startswith(("1-", "2-")) for rid in year.round_ids])
    eligible = ~np.isnan(tl.scores)
    assert not (eligible[:, th].any(axis=1) & eligible[:, ~th].any(axis=1)).any()
    # Rounds of one course share each person's score; wishes are ranked by occupation group.
    first_course = np.flatnonzero([rid.startswith("1-") for rid in year.round_ids])
    assert np.allclose(tl.scores[:, first_course[0]], tl.scores[:, first_course[-1]], equal_nan=True)
    assert tl.rank.max() <= 2
    assert year.occupations == ["42", "74", "75"]
    assert ((tl.scores[eligible] > 0) & (tl.scores[eligible] < 1)).all()


def test_compare_reports_every_figure_against_the_hindsight_optimum():
    tl = generate(small_distribution(), people=500, seed=3).timeline
    reports = {r.policy: r for r in compare(tl, seed=3)}
    assert list(reports) == ["hindsight", "rolling", "greedy"]
    assert reports["hindsight"].of_hindsight == pytest.approx(1.0)
    for r in reports.values():
        assert r.of_hindsight is not None and r.of_hindsight <= 1 + TOLERANCE
        assert 0 <= r.top3_share <= 1
        assert r.placed <= tl.seats.sum()
        assert r.wait_median is not None and r.wait_p90 is not None and 0 <= r.wait_median <= r.wait_p90 <= 90


def test_the_report_is_computed_as_documented():
    tl = timeline(
        arrival=[0, 2, 5, 9],
        max_wait=[30, 30, 30, 30],
        scores=[[0.5, 0.1], [0.2, 0.4], [0.3, 0.3], [0.6, np.nan]],
        start=[7, 14],
        seats=[2, 2],
        rank=[[1, 0], [0, 4], [0, 3], [0, 0]],
        woman=[True, True, False, False],
        needs_income=[True, False, True, False],
        occupation=[0, 1],
        stipend=[100.0, 0.0],
    )

    class Fixed:
        assignment = np.array([0, 1, 1, -1])
        seconds = 0.0

    got = report(tl, Fixed(), "fixed", best=2.0)  # type: ignore[arg-type]
    assert got.expected == pytest.approx(0.5 + 0.4 + 0.3)
    assert got.of_hindsight == pytest.approx(1.2 / 2.0)
    assert got.top3_share == pytest.approx(2 / 4)  # person 0 (1st wish) and person 2 (3rd), of all four
    assert got.wait_median == 9 and got.wait_p90 == pytest.approx(9 + 0.8 * (12 - 9))  # waits 7, 12, 9
    # women: one in occupation 0, one in 1; men: one in 1 → 0.5 · (|1/2 − 0| + |1/2 − 1|)
    assert got.duncan == pytest.approx(0.5)
    assert got.stipend_coverage == pytest.approx(1 / 2)
    assert got.placed == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rank": [[1, 2]]}, "rank must have the shape"),
        ({"arrival": [0, 1]}, "arrival must have 1 entries"),
        ({"max_wait": [-1]}, "max_wait must not be negative"),
        ({"seats": [-2]}, "seats must not be negative"),
        ({"start": [1.5]}, "start must be whole numbers"),
        ({"scores": [[np.inf]]}, "scores must be finite"),
        ({"stipend": [-1.0]}, "stipend must be finite and not negative"),
    ],
)
def test_a_bad_timeline_is_refused_naming_the_array(changes, message):
    values = {"arrival": [0], "max_wait": [5], "scores": [[0.5]], "start": [3], "seats": [1], "rank": [[1]]}
    values.update(changes)
    with pytest.raises(ValueError, match=message):
        timeline(**values)


def test_rolling_refuses_a_step_under_a_day():
    tl = timeline(arrival=[0], max_wait=[5], scores=[[0.5]], start=[3], seats=[1])
    with pytest.raises(ValueError, match="step"):
        rolling(tl, step=0)
    with pytest.raises(ValueError, match="samples"):
        rolling(tl, samples=-1)


# --- the file format ---------------------------------------------------------------------------------

GOOD = {
    "rounds": [
        {"id": "weld-1", "start": 14, "seats": 1, "occupation": "72", "stipend": 3000},
        {"id": "sew-1", "start": 7, "seats": 2, "occupation": "75"},
    ],
    "people": [
        {
            "id": "p1",
            "arrival": 3,
            "max_wait": 60,
            "woman": True,
            "needs_income": True,
            "wishes": ["75", "72"],
            "scores": {"weld-1": 0.41, "sew-1": 0.3},
        },
        {"id": "p2", "arrival": 0, "max_wait": 10, "scores": {"weld-1": 0.6}},
    ],
}


def test_a_good_file_is_read():
    year = parse_arrivals(json.dumps(GOOD))
    tl = year.timeline
    assert year.round_ids == ["weld-1", "sew-1"]
    assert year.occupations == ["72", "75"]
    assert tl.arrival.tolist() == [3, 0]
    assert tl.rank.tolist() == [[2, 1], [0, 0]]
    assert tl.woman.tolist() == [True, False] and tl.needs_income.tolist() == [True, False]
    assert np.isnan(tl.scores[1, 1]) and tl.scores[0, 0] == pytest.approx(0.41)
    assert tl.stipend.tolist() == [3000.0, 0.0]
    assert tl.occupation.tolist() == [0, 1]
    assert year.arrivals_until is None
    # p2 cannot reach weld-1 (day 14 > 0 + 10): nobody is placed outside a window.
    assert hindsight(tl).assignment.tolist() == [0, -1]


def bad(path: str, value):
    data = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is KeyError:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("data", "code", "where"),
    [
        ("{", "malformed_json", "line 1 column 2"),
        ([], "wrong_type", "arrivals"),
        (bad("rounds", KeyError), "missing_key", "arrivals.rounds"),
        (bad("extra", 1), "unknown_key", "extra"),
        (bad("rounds.0.start", -1), "negative_count", "rounds[0].start"),
        (bad("rounds.0.seats", -3), "negative_capacity", "rounds[0].seats"),
        (bad("rounds.0.seats", 1.5), "wrong_type", "rounds[0].seats"),
        (bad("rounds.1.id", "weld-1"), "duplicate_id", "rounds[1].id"),
        (bad("rounds.1.occupation", 75), "wrong_type", "rounds[1].occupation"),
        (bad("rounds.1.stipend", -5), "negative_stipend", "rounds[1].stipend"),
        (bad("rounds.1.colour", "red"), "unknown_key", "rounds[1].colour"),
        (bad("people.0.arrival", "monday"), "wrong_type", "people[0].arrival"),
        (bad("people.1.max_wait", -7), "negative_count", "people[1].max_wait"),
        (bad("people.1.max_wait", KeyError), "missing_key", "people[1].max_wait"),
        (bad("people.0.woman", "yes"), "wrong_type", "people[0].woman"),
        (bad("people.0.wishes", ["75", 72]), "wrong_type", "people[0].wishes[1]"),
        (bad("people.0.scores.weld-9", 0.2), "unknown_round", "people[0].scores.weld-9"),
        (bad("people.0.scores.sew-1", 1.2), "score_out_of_range", "people[0].scores.sew-1"),
        (bad("people.0.scores.sew-1", None), "score_not_a_number", "people[0].scores.sew-1"),
        (bad("people.1.scores", [0.6]), "wrong_type", "people[1].scores"),
        (bad("people.1.id", "p1"), "duplicate_id", "people[1].id"),
    ],
)
def test_a_bad_file_names_the_entry(data, code, where):
    with pytest.raises(CohortError) as raised:
        parse_arrivals(data if isinstance(data, str) else json.dumps(data))
    assert (raised.value.code, raised.value.where) == (code, where)
