import json

import numpy as np
import pytest

from reintegra.matching import CohortError, parse_cohort


def cohort(**changes):
    data = {
        "people": [
            {"id": "p1", "group": "woman", "aspirations": ["o2", "o1"], "needs_income": True},
            {"id": "p2", "group": "man"},
        ],
        "options": [
            {"id": "o1", "capacity": 1, "cost": 1500, "stipend": 3000},
            {"id": "o2", "capacity": 2, "cost": 800},
        ],
        "scores": [
            {"person": "p1", "option": "o1", "score": 0.42},
            {"person": "p1", "option": "o2", "score": 0.0},
            {"person": "p2", "option": "o1", "score": 0.3},
        ],
        "constraints": {"group_share": {"group": "woman", "min": 0.3, "max": 0.7, "min_assigned": 5}, "budget": 250000},
    }
    data.update(changes)
    return data


def error_of(data) -> CohortError:
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(CohortError) as raised:
        parse_cohort(text)
    return raised.value


def test_a_good_cohort_is_read_with_only_the_listed_pairs_eligible():
    read = parse_cohort(json.dumps(cohort()))
    assert read.person_ids == ["p1", "p2"]
    assert read.option_ids == ["o1", "o2"]
    assert read.capacity.tolist() == [1, 2]
    assert read.scores.nnz == 3  # the explicit 0.0 is eligible
    assert read.scores.toarray().tolist() == [[0.42, 0.0], [0.3, 0.0]]
    assert read.aspirations == [[1, 0], []]
    assert read.needs_income.tolist() == [True, False]
    assert read.members("woman").tolist() == [True, False]
    assert read.group_share.min == 0.3 and read.group_share.min_assigned == 5
    assert read.budget == 250000
    assert read.stipend.tolist() == [3000, 0]


def test_constraints_are_optional():
    data = cohort()
    del data["constraints"]
    read = parse_cohort(json.dumps(data))
    assert read.group_share is None and read.budget is None


@pytest.mark.parametrize(
    ("change", "code", "where", "value"),
    [
        ({"scores": [{"person": "p9", "option": "o1", "score": 0.1}]}, "unknown_person", "scores[0].person", "p9"),
        ({"scores": [{"person": "p1", "option": "o9", "score": 0.1}]}, "unknown_option", "scores[0].option", "o9"),
        ({"scores": [{"person": "p1", "option": "o1", "score": 1.5}]}, "score_out_of_range", "scores[0].score", 1.5),
        ({"scores": [{"person": "p1", "option": "o1", "score": -0.1}]}, "score_out_of_range", "scores[0].score", -0.1),
        (
            {"scores": [{"person": "p1", "option": "o1", "score": "high"}]},
            "score_not_a_number",
            "scores[0].score",
            "high",
        ),
        ({"scores": [{"person": "p1", "option": "o1", "score": True}]}, "score_not_a_number", "scores[0].score", True),
        ({"scores": [{"person": "p1", "option": "o1"}]}, "missing_key", "scores[0].score", None),
        (
            {
                "scores": [
                    {"person": "p1", "option": "o1", "score": 0.1},
                    {"person": "p1", "option": "o1", "score": 0.2},
                ]
            },
            "duplicate_pair",
            "scores[1]",
            "p1/o1",
        ),
        ({"people": [{"id": "p1"}, {"id": "p1"}]}, "duplicate_id", "people[1].id", "p1"),
        ({"options": [{"id": "o1", "capacity": -1, "cost": 1}]}, "negative_capacity", "options[0].capacity", -1),
        ({"options": [{"id": "o1", "capacity": 1.5, "cost": 1}]}, "wrong_type", "options[0].capacity", 1.5),
        ({"options": [{"id": "o1", "capacity": 1}]}, "missing_key", "options[0].cost", None),
        ({"options": [{"id": "o1", "capacity": 1, "cost": -5}]}, "negative_cost", "options[0].cost", -5),
        ({"people": [{"id": "p1", "aspirations": ["o7"]}]}, "unknown_option", "people[0].aspirations[0]", "o7"),
        ({"people": {"id": "p1"}}, "wrong_type", "people", "dict"),
        ({"constraints": {"budget": -1}}, "negative_budget", "constraints.budget", -1),
        ({"constraints": {"budgett": 1}}, "unknown_key", "constraints.budgett", "budgett"),
        (
            {"constraints": {"group_share": {"group": "woman", "min": 0.8, "max": 0.2}}},
            "min_above_max",
            "constraints.group_share",
            "0.8 > 0.2",
        ),
        (
            {"constraints": {"group_share": {"group": "woman", "min": 1.2}}},
            "share_out_of_range",
            "constraints.group_share.min",
            1.2,
        ),
        (
            {"constraints": {"group_share": {"group": "women", "min": 0.2}}},
            "unknown_group",
            "constraints.group_share.group",
            "women",
        ),
    ],
)
def test_bad_entries_are_named_with_a_code_the_path_and_the_value(change, code, where, value):
    data = cohort(**change)
    if "people" in change and "scores" not in change:
        data["scores"] = []
        data["constraints"] = change.get("constraints", {})
    if "options" in change and "scores" not in change:
        data["scores"] = []
    error = error_of(data)
    assert (error.code, error.where, error.value) == (code, where, value)


def test_malformed_json_is_named_by_line_and_column():
    error = error_of('{"people": [}')
    assert error.code == "malformed_json"
    assert error.where == "line 1 column 13"


def test_a_missing_top_level_list_is_named():
    error = error_of({"people": [], "options": []})
    assert (error.code, error.where) == ("missing_key", "cohort.scores")


def test_scores_become_a_sparse_matrix_the_engine_reads():
    read = parse_cohort(json.dumps(cohort()))
    from reintegra.matching import allocate

    allocation = allocate(read.scores, read.capacity)
    # p1 in o1 (0.42) beats p2 in o1 and p1 in o2 (0.3 + 0.0)
    assert allocation.assignment.tolist() == [0, -1]
    assert allocation.objective == pytest.approx(0.42)


def many_pairs(n: int, m: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    eligible = rng.random((n, m)) < 0.6
    scores = [
        {
            "person": f"p{i}",
            "option": f"o{j}",
            "score": float(rng.random()) if rng.random() < 0.8 else int(rng.integers(2)),
        }
        for i, j in zip(*np.nonzero(eligible), strict=True)
    ]
    rng.shuffle(scores)
    return {
        "people": [{"id": f"p{i}"} for i in range(n)],
        "options": [{"id": f"o{j}", "capacity": 3} for j in range(m)],
        "scores": scores,
    }


def test_a_long_list_of_scores_is_read_as_entry_by_entry():
    for seed in range(20):
        data = many_pairs(40, 7, seed)
        read = parse_cohort(json.dumps(data))
        expected = np.full((40, 7), np.nan)
        for entry in data["scores"]:
            expected[int(entry["person"][1:]), int(entry["option"][1:])] = entry["score"]
        dense = np.full((40, 7), np.nan)
        coo = read.scores.tocoo()
        dense[coo.row, coo.col] = coo.data
        np.testing.assert_array_equal(dense, expected)
        assert read.scores.nnz == len(data["scores"])


@pytest.mark.parametrize(
    ("entry", "code", "field"),
    [
        ({"person": "p99", "option": "o1", "score": 0.5}, "unknown_person", ".person"),
        ({"person": ["p1"], "option": "o1", "score": 0.5}, "unknown_person", ".person"),
        ({"person": "p1", "option": "o1", "score": True}, "score_not_a_number", ".score"),
        ({"person": "p1", "option": "o1", "score": float("nan")}, "score_not_a_number", ".score"),
        ({"person": "p1", "option": "o1", "score": 10**400}, "score_not_a_number", ".score"),
        ({"person": "p1", "option": "o1", "score": 2}, "score_out_of_range", ".score"),
        ({"person": "p1", "option": "o1"}, "missing_key", ".score"),
        (["p1", "o1", 0.5], "wrong_type", ""),
    ],
)
def test_a_bad_entry_late_in_a_long_list_is_named(entry, code, field):
    data = many_pairs(40, 7, 1)
    data["scores"] = [s for s in data["scores"] if not (s["person"] == "p1" and s["option"] == "o1")]
    data["scores"].insert(100, entry)
    error = error_of(data)
    assert (error.code, error.where) == (code, f"scores[100]{field}")


def test_a_pair_repeated_late_in_a_long_list_is_named():
    data = many_pairs(40, 7, 2)
    data["scores"].append(dict(data["scores"][5]))
    error = error_of(data)
    last = len(data["scores"]) - 1
    assert (error.code, error.where) == ("duplicate_pair", f"scores[{last}]")
