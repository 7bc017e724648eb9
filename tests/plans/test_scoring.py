"""The index against hand-computed examples (the same as docs/reintegration-index.md)."""

import pytest

from reintegra.plans.scoring import AnswerError, Weights, score

EXAMPLE = {
    # economic: 0.5, 0.5, 1 - (30000/6000)/12 = 0.58333, 0.5, 0, (2-1)/4 = 0.25 → mean 2.33333/6 = 0.38889
    "income_sources": 1,
    "employment": "irregular",
    "debt_to_income": {"debt": 30000, "monthly_income": 6000},
    "food_security": "sometimes",
    "productive_assets": "no",
    "economic_satisfaction": 2,
    # social: 1, 0.5, 1, 1, 0.5, 0.5 → 4.5/6 = 0.75
    "housing": "stable",
    "health_access": "partly",
    "children_education": "all",
    "documentation": "yes",
    "justice": "in_process",
    "participation": 3,
    # psychosocial: 0.75, 0.5, 0.75, 0.5, 0 → 2.5/5 = 0.5
    "belonging": 4,
    "stigma": "sometimes",
    "feeling_safe": 4,
    "distress": "some",
    "migrate_of_necessity": "yes",
}


def test_the_worked_example_scores_as_computed_by_hand():
    result = score(EXAMPLE)
    assert result.indicators["debt_to_income"] == pytest.approx(0.583333, abs=1e-6)
    assert result.dimensions["economic"] == pytest.approx(2.333333 / 6, abs=1e-6)
    assert result.dimensions["social"] == pytest.approx(0.75)
    assert result.dimensions["psychosocial"] == pytest.approx(0.5)
    assert result.composite == pytest.approx((0.388889 + 0.75 + 0.5) / 3, abs=1e-6)  # 0.546296


def test_weights_change_the_means_as_documented():
    weights = Weights(indicators={"employment": 3}, dimensions={"economic": 2, "social": 1, "psychosocial": 1})
    result = score(EXAMPLE, weights)
    economic = (0.5 + 0.5 * 3 + 0.583333 + 0.5 + 0 + 0.25) / 8
    assert result.dimensions["economic"] == pytest.approx(economic, abs=1e-6)
    assert result.composite == pytest.approx((2 * economic + 0.75 + 0.5) / 4, abs=1e-6)


def test_the_extremes_are_zero_and_one():
    best = EXAMPLE | {
        "income_sources": 3,
        "employment": "regular",
        "debt_to_income": {"debt": 0, "monthly_income": 0},
        "food_security": "never",
        "productive_assets": "yes",
        "economic_satisfaction": 5,
        "health_access": "yes",
        "justice": "not_sought",
        "participation": 5,
        "belonging": 5,
        "stigma": "never",
        "feeling_safe": 5,
        "distress": "none",
        "migrate_of_necessity": "no",
    }
    assert score(best).composite == pytest.approx(1.0)
    assert score(EXAMPLE | {"debt_to_income": {"debt": 500, "monthly_income": 0}}).indicators["debt_to_income"] == 0


@pytest.mark.parametrize(
    ("indicator", "answer"),
    [
        ("economic_satisfaction", 6),
        ("economic_satisfaction", 2.5),
        ("belonging", 0),
        ("employment", "maybe"),
        ("debt_to_income", {"debt": -1, "monthly_income": 100}),
        ("income_sources", -1),
        ("stigma", None),
    ],
)
def test_out_of_range_answers_are_refused_naming_the_indicator(indicator, answer):
    with pytest.raises(AnswerError) as error:
        score(EXAMPLE | {indicator: answer})
    assert error.value.indicator == indicator


def test_a_missing_or_unknown_indicator_is_an_error_not_a_zero():
    incomplete = {k: v for k, v in EXAMPLE.items() if k != "housing"}
    with pytest.raises(AnswerError, match="housing: not answered"):
        score(incomplete)
    with pytest.raises(AnswerError, match="happiness"):
        score(EXAMPLE | {"happiness": 5})
