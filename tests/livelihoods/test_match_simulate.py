"""`reintegra match simulate`: a year of arrivals replayed under three policies; no database."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from reintegra.livelihoods.management.commands.match import demo_distribution

ARRIVALS = {
    "rounds": [
        {"id": "weld-1", "start": 14, "seats": 1, "occupation": "72", "stipend": 3000},
        {"id": "sew-1", "start": 7, "seats": 2, "occupation": "75"},
    ],
    "people": [
        {"id": "anna", "arrival": 0, "max_wait": 30, "woman": True, "wishes": ["72"], "scores": {"weld-1": 0.3}},
        {"id": "ben", "arrival": 7, "max_wait": 10, "needs_income": True, "scores": {"weld-1": 0.9, "sew-1": 0.2}},
        {"id": "cleo", "arrival": 2, "max_wait": 20, "woman": True, "scores": {"sew-1": 0.5}},
    ],
}


def simulate(*args):
    out = io.StringIO()
    call_command("match", "simulate", *args, stdout=out)
    return out.getvalue()


def test_a_generated_year_prints_the_three_policies_and_writes_the_figures(tmp_path):
    target = tmp_path / "year.json"
    printed = simulate("--people", "300", "--seed", "4", "--output", str(target))
    lines = printed.splitlines()
    assert lines[0].startswith("300 people")
    assert [line.split("  ")[0] for line in lines[2:5]] == [
        "hindsight optimum",
        "rolling (weekly)",
        "greedy (first come)",
    ]
    result = json.loads(target.read_text())
    assert result["source"] == "demo" and result["people"] == 300 and result["seed"] == 4
    policies = {p["policy"]: p for p in result["policies"]}
    assert list(policies) == ["hindsight", "rolling", "greedy"]
    assert policies["hindsight"]["of_hindsight"] == pytest.approx(1.0)
    for figures in policies.values():
        assert set(figures) >= {
            "expected",
            "of_hindsight",
            "top3_share",
            "wait_median",
            "wait_p90",
            "duncan",
            "stipend_coverage",
            "placed",
        }
        assert figures["expected"] <= policies["hindsight"]["expected"] + 1e-6


def test_the_same_seed_gives_the_same_figures(tmp_path):
    def figures(seed, name):
        target = tmp_path / name
        simulate("--people", "200", "--seed", seed, "--output", str(target))
        return [{k: v for k, v in p.items() if k != "seconds"} for p in json.loads(target.read_text())["policies"]]

    assert figures("7", "a.json") == figures("7", "b.json")
    assert figures("7", "a.json") != figures("8", "c.json")


def test_a_file_of_arrivals_is_replayed(tmp_path):
    source = tmp_path / "arrivals.json"
    source.write_text(json.dumps(ARRIVALS))
    target = tmp_path / "out.json"
    simulate("--arrivals", str(source), "--output", str(target), "--samples", "0")
    result = json.loads(target.read_text())
    assert result["source"] == str(source) and result["people"] == 3 and result["rounds"] == 2
    policies = {p["policy"]: p for p in result["policies"]}
    assert policies["hindsight"]["expected"] == pytest.approx(0.9 + 0.5)
    assert policies["greedy"]["expected"] == pytest.approx(0.3 + 0.5 + 0.2)  # anna takes ben's seat


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["people"][1]["scores"].update({"weld-9": 0.4}), "people[1].scores.weld-9"),
        (lambda d: d["rounds"][0].update({"seats": -1}), "rounds[0].seats"),
        (lambda d: d["people"][2].pop("max_wait"), "people[2].max_wait"),
    ],
)
def test_a_bad_file_is_refused_naming_the_entry_and_writes_nothing(tmp_path, change, named):
    data = json.loads(json.dumps(ARRIVALS))
    change(data)
    source = tmp_path / "arrivals.json"
    source.write_text(json.dumps(data))
    target = tmp_path / "out.json"
    with pytest.raises(CommandError, match=named.replace("[", r"\[").replace("]", r"\]")):
        simulate("--arrivals", str(source), "--output", str(target))
    assert not target.exists()


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(CommandError, match="--step"):
        simulate("--people", "10", "--step", "0")
    with pytest.raises(CommandError, match="--people"):
        simulate("--people", "-1")
    with pytest.raises(CommandError, match="--people"):
        simulate("--people", "10000000000")
    with pytest.raises(CommandError, match="--samples"):
        simulate("--people", "10", "--samples", "1000")
    with pytest.raises(CommandError, match="folder"):
        simulate("--people", "10", "--output", str(tmp_path / "missing" / "out.json"))


def test_the_cohort_mode_still_needs_its_files():
    with pytest.raises(CommandError, match="--input, --output"):
        call_command("match")


def test_the_demo_distribution_is_the_demo_catalogue():
    dist = demo_distribution()
    assert len(dist.courses) == 13
    assert {c.country for c in dist.courses} == {"TH", "PH"}
    assert all(c.seats > 0 and c.weeks > 0 for c in dist.courses)
    assert any(c.stipend > 0 for c in dist.courses) and any(c.stipend == 0 for c in dist.courses)
    assert len(dist.wishes) == 5 and dist.wishes_per_person == 2
