"""`reintegra match` with the choice rules of a cohort file: constraints.top_k and constraints.min_top3_share."""

import copy
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from reintegra.matching import CohortError, parse_cohort

# p1 wishes o2 then o1, p2 wishes o1, p3 wishes o2; o1 scores best for everyone.
COHORT = {
    "people": [
        {"id": "p1", "aspirations": ["o2", "o1"]},
        {"id": "p2", "aspirations": ["o1"]},
        {"id": "p3", "aspirations": ["o2"]},
        {"id": "p4"},
    ],
    "options": [{"id": "o1", "capacity": 2}, {"id": "o2", "capacity": 2}],
    "scores": [
        {"person": "p1", "option": "o1", "score": 0.9},
        {"person": "p1", "option": "o2", "score": 0.2},
        {"person": "p2", "option": "o1", "score": 0.5},
        {"person": "p2", "option": "o2", "score": 0.4},
        {"person": "p3", "option": "o1", "score": 0.8},
        {"person": "p3", "option": "o2", "score": 0.1},
        {"person": "p4", "option": "o2", "score": 0.3},
    ],
}


def with_constraints(**constraints):
    data = copy.deepcopy(COHORT)
    data["constraints"] = constraints
    return data


def run(tmp_path, data):
    source = tmp_path / "cohort.json"
    source.write_text(json.dumps(data))
    target = tmp_path / "allocation.json"
    call_command("match", "--input", str(source), "--output", str(target))
    result = json.loads(target.read_text())
    return {a["person"]: a["option"] for a in result["assignments"]}, result


def test_without_choice_rules_the_best_scores_win(tmp_path):
    placed, result = run(tmp_path, COHORT)
    assert placed == {"p1": "o1", "p3": "o1", "p2": "o2", "p4": "o2"}
    assert result["objective"] == pytest.approx(0.9 + 0.8 + 0.4 + 0.3)


def test_top_k_offers_everyone_placed_their_first_wish(tmp_path):
    placed, result = run(tmp_path, with_constraints(top_k=1))
    # p1 and p3 may only have o2 (their first wish), p2 only o1; p4 has no wishes and takes o2 before p3
    assert placed == {"p1": "o2", "p2": "o1", "p4": "o2"}
    assert result["objective"] == pytest.approx(0.2 + 0.5 + 0.3)
    assert result["constraint_violations"] == []


def test_a_minimum_top3_share_is_met_at_the_least_cost(tmp_path):
    placed, result = run(tmp_path, with_constraints(min_top3_share=0.75))
    wishes = {"p1": {"o2", "o1"}, "p2": {"o1"}, "p3": {"o2"}}
    assert sum(1 for person, option in placed.items() if option in wishes.get(person, set())) >= 3
    # p1 and p2 in o1, p3 in o2 (three wishes met), p4 in o2: the best with three wishes met
    assert placed == {"p1": "o1", "p2": "o1", "p3": "o2", "p4": "o2"}
    assert result["objective"] == pytest.approx(0.9 + 0.5 + 0.1 + 0.3)


def test_an_unreachable_share_names_the_rule_and_what_is_reachable(tmp_path):
    with pytest.raises(CommandError) as raised:
        run(tmp_path, with_constraints(min_top3_share=1.0))
    assert "constraints.min_top3_share" in str(raised.value)
    assert "at most 3 of 4 people" in str(raised.value)
    assert not (tmp_path / "allocation.json").exists()


@pytest.mark.parametrize(
    ("constraints", "where"),
    [
        ({"top_k": 0}, "constraints.top_k must be at least 1"),
        ({"top_k": "2"}, "constraints.top_k has the wrong type"),
        ({"top_k": 1.5}, "constraints.top_k has the wrong type"),
        ({"min_top3_share": 1.5}, "constraints.min_top3_share is 1.5; a share must be between 0 and 1"),
        ({"min_top3_share": True}, "constraints.min_top3_share has the wrong type"),
        ({"top3_share": 0.5}, "constraints.top3_share is not a known setting"),
    ],
)
def test_bad_choice_rules_are_refused_naming_the_entry(tmp_path, constraints, where):
    with pytest.raises(CommandError, match=where):
        run(tmp_path, with_constraints(**constraints))


def test_the_cohort_reads_the_rules_and_the_wishes_as_ranks():
    data = copy.deepcopy(COHORT)
    data["people"][0]["aspirations"] = ["o2", "o1", "o2"]
    data["constraints"] = {"top_k": 2, "min_top3_share": 0.5}
    cohort = parse_cohort(json.dumps(data))
    assert cohort.top_k == 2 and cohort.min_top3_share == 0.5 and cohort.has_choice_rules
    assert cohort.rank().tolist() == [[2, 1], [1, 0], [0, 1], [0, 0]]  # o2 named twice keeps first place
    assert not parse_cohort(json.dumps(COHORT)).has_choice_rules
    with pytest.raises(CohortError) as raised:
        parse_cohort(json.dumps(with_constraints(top_k=-1)))
    assert raised.value.code == "below_one" and raised.value.where == "constraints.top_k"
    assert np.array_equal(parse_cohort(json.dumps(COHORT)).rank(), [[2, 1], [1, 0], [0, 1], [0, 0]])
