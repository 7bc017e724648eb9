"""The pure success-prediction module: the documented prior, shrinkage, and the trained model."""

import numpy as np
import pytest

from reintegra.matching import prediction


def test_gender_is_never_a_feature():
    assert not any("gender" in name or "sex" in name or "woman" in name for name in prediction.FEATURES)


def test_the_prior_matches_the_worked_example_of_the_documentation():
    # docs/success-prediction.md: demand 0.7, skill 1.0, first wish, track 0.4, pays while needed.
    row = np.array([[0.7, 1.0, 1.0, 0.4, 1.0]])
    z = np.log(0.4 / 0.6) + 0.9 * 0.2 + 0.8 * 0.75 + 0.7 * 0.65 + 0.6 * 0.5
    assert prediction.prior(row)[0] == pytest.approx(1 / (1 + np.exp(-z)))
    assert prediction.prior(row)[0] == pytest.approx(0.7558, abs=1e-4)


def test_a_better_fit_never_lowers_the_prior():
    base = np.array([0.5, 0.25, 0.35, 0.4, 0.5])
    for column in (0, 1, 2, 4):
        better = base.copy()
        better[column] = 1.0
        assert prediction.prior(better[None])[0] > prediction.prior(base[None])[0]


def test_shrinkage_pulls_small_records_towards_the_network_rate():
    assert prediction.shrunk_rate(1, 1, 0.4) == pytest.approx((1 + 5 * 0.4) / 6)
    assert prediction.shrunk_rate(80, 100, 0.4) == pytest.approx((80 + 2) / 105)
    assert prediction.shrunk_rate(0, 0, 0.4) == pytest.approx(0.4)


def test_scores_of_the_features():
    assert prediction.demand_score(None, None) == 0.3
    assert prediction.demand_score(100, None) == pytest.approx(1 - np.exp(-1))
    assert prediction.demand_score(None, 40) == pytest.approx(0.4)
    experience = [{"isco": "72", "years": 6, "abroad": True}, {"isco": "74", "years": 1.5, "abroad": False}]
    assert prediction.skill_fit(experience, "72") == 1.0
    assert prediction.skill_fit(experience, "74") == 0.5  # major group 7 at full years beats 1.5 own years
    assert prediction.skill_fit(experience, "51") == 0.0
    assert [prediction.aspiration_score(r) for r in (1, 2, 3, 4, None)] == [1.0, 0.7, 0.5, 0.3, 0.0]
    assert prediction.income_fit(True, False) == 0.0 and prediction.income_fit(False, False) == 0.5


def planted(seed, n=1000):
    """Features in [0, 1] and outcomes drawn from a known logistic truth on demand and skill fit only."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(prediction.FEATURES)))
    truth = 1 / (1 + np.exp(-(4 * x[:, 0] + 3 * x[:, 1] - 3.5)))
    y = (rng.random(n) < truth).astype(int)
    return x, y, truth


def base_rate_brier(y):
    """The Brier score of predicting the success rate for everybody: what a model with no signal earns."""
    rate = y.mean()
    return prediction.brier(np.full(y.size, rate), y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_trained_model_beats_the_base_rate_and_nears_the_truth_on_data_with_a_planted_signal(seed):
    x, y, truth = planted(seed)
    trained = prediction.train(x, y)
    assert trained.outcomes == 1000 and trained.successes == y.sum()
    # The base rate scores about 0.25 here and the true probabilities about 0.17-0.18.
    assert trained.cv_brier < base_rate_brier(y) - 0.04
    assert trained.cv_brier < prediction.brier(truth, y) + 0.01
    assert trained.cv_auc > 0.75
    assert set(trained.coefficients) == set(prediction.FEATURES)
    # the two features that carry the signal weigh most, and in the right direction
    weights = np.array([trained.coefficients[name] for name in prediction.FEATURES])
    assert set(np.argsort(-weights)[:2]) == {0, 1}
    p = trained.predict(x[:5])
    assert p.shape == (5,) and np.all((p > 0) & (p < 1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_model_trained_on_shuffled_outcomes_does_not_beat_the_base_rate(seed):
    x, y, _truth = planted(seed)
    shuffled = np.random.default_rng(seed + 100).permutation(y)
    trained = prediction.train(x, shuffled)
    assert trained.cv_brier > base_rate_brier(shuffled) - 0.01
    assert trained.cv_auc < 0.6


def test_training_refuses_outcomes_of_one_kind_only():
    with pytest.raises(ValueError, match="too few"):
        prediction.train(np.random.default_rng(1).random((50, 5)), np.ones(50, dtype=int))
