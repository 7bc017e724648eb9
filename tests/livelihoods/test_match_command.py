"""`reintegra match` end to end on files; it needs no database."""

import json

import pytest
from django.core.management import CommandError, call_command

GOOD = {
    "people": [
        {"id": "p1", "group": "woman", "aspirations": ["o2", "o1"], "needs_income": True},
        {"id": "p2", "group": "man"},
        {"id": "p3", "group": "man", "needs_income": True},
        {"id": "p4", "group": "woman"},
    ],
    "options": [
        {"id": "o1", "capacity": 2, "cost": 1500, "stipend": 3000},
        {"id": "o2", "capacity": 2, "cost": 800},
    ],
    "scores": [
        {"person": "p1", "option": "o1", "score": 0.42},
        {"person": "p1", "option": "o2", "score": 0.5},
        {"person": "p2", "option": "o1", "score": 0.3},
        {"person": "p3", "option": "o1", "score": 0.6},
        {"person": "p4", "option": "o2", "score": 0.2},
    ],
    "constraints": {"group_share": {"group": "woman", "min": 0.3, "max": 0.7, "min_assigned": 2}, "budget": 250000},
}


def run(tmp_path, data, *extra):
    source = tmp_path / "cohort.json"
    source.write_text(data if isinstance(data, str) else json.dumps(data))
    target = tmp_path / "allocation.json"
    call_command("match", "--input", str(source), "--output", str(target), *extra)
    return json.loads(target.read_text())


@pytest.mark.parametrize("mode", ["optimal", "greedy", "random"])
def test_a_good_run_writes_the_allocation_with_every_key(tmp_path, mode):
    result = run(tmp_path, GOOD, "--mode", mode, "--seed", "3")
    assert {"objective", "assignments", "unassigned", "metrics"} <= set(result)
    assert set(result["metrics"]) >= {
        "expected_placements",
        "top3_aspiration_share",
        "stipend_coverage",
        "duncan_index",
        "group_share_min",
        "group_share_max",
        "seconds",
    }
    placed = {a["person"] for a in result["assignments"]}
    assert placed | set(result["unassigned"]) == {"p1", "p2", "p3", "p4"}
    assert not placed & set(result["unassigned"])


def test_the_optimal_run_keeps_the_band_that_greedy_breaks(tmp_path):
    optimal = run(tmp_path, GOOD)
    assert optimal["constraint_violations"] == []
    # p1 and p3 in o1, p4 in o2: p2 and p3 together in o1 would be 0 % women among 2
    assert optimal["objective"] == pytest.approx(0.42 + 0.6 + 0.2)
    greedy = run(tmp_path, GOOD, "--mode", "greedy")
    assert greedy["constraint_violations"] == [
        "group_share at option 0: 0 of 2 outside [3/10, 7/10]",
        "group_share at option 1: 2 of 2 outside [3/10, 7/10]",
    ]


def test_without_constraints_the_optimal_run_beats_or_ties_greedy(tmp_path):
    data = json.loads(json.dumps(GOOD))
    del data["constraints"]
    optimal, greedy = run(tmp_path, data), run(tmp_path, data, "--mode", "greedy")
    assert optimal["objective"] == pytest.approx(0.5 + 0.3 + 0.6 + 0.2)
    assert optimal["objective"] >= greedy["objective"] - 1e-9
    assert optimal["metrics"]["group"] == "woman"


def test_no_aspirations_and_nobody_needing_income_give_null_metrics(tmp_path):
    data = json.loads(json.dumps(GOOD))
    for person in data["people"]:
        person.pop("aspirations", None)
        person.pop("needs_income", None)
    result = run(tmp_path, data)
    assert result["metrics"]["top3_aspiration_share"] is None
    assert result["metrics"]["stipend_coverage"] is None


def with_scores(*scores):
    data = json.loads(json.dumps(GOOD))
    data["scores"] = list(scores)
    return data


def with_options(*options):
    data = json.loads(json.dumps(GOOD))
    data["options"] = list(options)
    data["scores"] = []
    return data


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (
            with_scores({"person": "p1", "option": "o1", "score": 0.5}, {"person": "p9", "option": "o1", "score": 0.5}),
            ["scores[1].person", "p9"],
        ),
        (with_options({"id": "o1", "capacity": -3, "cost": 1}), ["options[0].capacity", "-3"]),
        (with_scores({"person": "p1", "option": "o1", "score": 1.5}), ["scores[0].score", "1.5"]),
        (
            with_scores({"person": "p1", "option": "o1", "score": 0.5}, {"person": "p1", "option": "o1", "score": 0.4}),
            ["scores[1]", "p1/o1"],
        ),
        ('{"people": [{"id": "p1"}], "options": [', ["line 1 column"]),
    ],
    ids=["unknown_person", "negative_capacity", "score_above_one", "duplicate_pair", "malformed_json"],
)
def test_bad_input_raises_a_command_error_naming_the_entry_and_writes_no_file(tmp_path, data, named):
    with pytest.raises(CommandError) as raised:
        run(tmp_path, data)
    for part in named:
        assert part in str(raised.value)
    assert not (tmp_path / "allocation.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cohort.json"]  # no temporary file left either


def test_a_bad_run_leaves_an_earlier_output_untouched(tmp_path):
    (tmp_path / "allocation.json").write_text("earlier")
    with pytest.raises(CommandError):
        run(tmp_path, with_scores({"person": "p1", "option": "o1", "score": 2}))
    assert (tmp_path / "allocation.json").read_text() == "earlier"


def test_an_infeasible_request_names_the_constraint(tmp_path):
    data = json.loads(json.dumps(GOOD))
    data["constraints"] = {"min_assigned_total": 4}  # p2, p3 can only take o1 with 2 seats; p4 only o2
    data["options"][1]["capacity"] = 1
    with pytest.raises(CommandError, match="min_assigned_total"):
        run(tmp_path, data)
    assert not (tmp_path / "allocation.json").exists()
