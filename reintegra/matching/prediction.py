"""Success prediction: the chance of a decent income six months after an option, for one person.

Pure numpy (and scikit-learn for the trained model); no Django. The product builds the feature rows
from its records (reintegra/livelihoods/prediction.py) and chooses the method:

* the prior, a transparent formula, until enough outcomes are recorded;
* then a calibrated logistic regression trained on the recorded outcomes, whose cross-validated
  Brier score and AUC are shown to M&E analysts beside the prior's on the same outcomes.

Gender is never a feature: it is not in FEATURES, and nothing here receives it. The formula and a
worked example are in docs/success-prediction.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Each feature lies in [0, 1].
FEATURES = (
    "demand",  # local demand for the option's occupation in the person's area (0.3 when unknown)
    "skill_fit",  # experience in the option's occupation group (full) or major group (half), by years
    "aspiration",  # the option's occupation among the person's ranked wishes: 1st 1.0, 2nd 0.7, 3rd 0.5
    "track_record",  # the option's past success rate, shrunk towards the network's rate
    "income_fit",  # needs income now: 1 if the option pays (stipend or wage), else 0; 0.5 when not needed
)

# The prior: logit p = logit(track_record) + Σ weight × (feature − centre). The option's own record
# sets the base; the person's fit moves it. Weights chosen so that a perfect fit on every count adds
# about +1.6 on the logit scale (e.g. 0.40 → 0.77), a poor fit removes about as much.
PRIOR_WEIGHTS = {"demand": 0.9, "skill_fit": 0.8, "aspiration": 0.7, "income_fit": 0.6}
PRIOR_CENTRES = {"demand": 0.5, "skill_fit": 0.25, "aspiration": 0.35, "income_fit": 0.5}
SHRINKAGE = 5.0  # pseudo-outcomes of the network's rate added to each option's record
DEFAULT_RATE = 0.4  # the network's rate before any outcome is recorded
MIN_OUTCOMES = 200  # outcomes needed before a trained model replaces the prior


def shrunk_rate(successes: float, outcomes: float, network_rate: float, k: float = SHRINKAGE) -> float:
    """An option's success rate pulled towards the network's: (s + k·r) / (n + k)."""
    return float((successes + k * network_rate) / (outcomes + k))


def demand_score(vacancies: int | None, index: float | None) -> float:
    """Vacancies saturate (100 vacancies ≈ 0.63); an index 0–100 is read as a share; unknown is 0.3."""
    if vacancies is not None:
        return float(1.0 - np.exp(-max(vacancies, 0) / 100.0))
    if index is not None:
        return float(min(max(index, 0.0), 100.0) / 100.0)
    return 0.3


def skill_fit(experience: list[dict[str, Any]], isco_group: str) -> float:
    """Years in the same sub-major group count fully (3 years = 1), in the same major group half.
    Experience abroad counts like experience at home."""
    best = 0.0
    for entry in experience:
        years = float(entry.get("years") or 0)
        group = str(entry.get("isco") or "")
        weight = 1.0 if group == isco_group else 0.5 if group[:1] == isco_group[:1] else 0.0
        best = max(best, weight * min(1.0, years / 3.0))
    return best


def aspiration_score(rank: int | None) -> float:
    return {1: 1.0, 2: 0.7, 3: 0.5}.get(rank or 0, 0.3 if rank else 0.0)


def income_fit(needs_income_now: bool, option_pays: bool) -> float:
    if not needs_income_now:
        return 0.5
    return 1.0 if option_pays else 0.0


def _logit(p: FloatArray) -> FloatArray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.asarray(np.log(p / (1 - p)), dtype=np.float64)


def prior(features: FloatArray) -> FloatArray:
    """The documented prior for rows of FEATURES (shape (n, 5)); returns probabilities in (0, 1)."""
    x = np.asarray(features, dtype=np.float64)
    column = {name: x[:, i] for i, name in enumerate(FEATURES)}
    z = _logit(column["track_record"])
    for name, weight in PRIOR_WEIGHTS.items():
        z = z + weight * (column[name] - PRIOR_CENTRES[name])
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def brier(p: FloatArray, y: NDArray[Any]) -> float:
    return float(np.mean((np.asarray(p, dtype=np.float64) - np.asarray(y, dtype=np.float64)) ** 2))


@dataclass(frozen=True)
class TrainedModel:
    """A calibrated logistic regression with its cross-validated quality, and the prior's on the same data."""

    model: Any
    outcomes: int
    successes: int
    cv_brier: float
    cv_auc: float | None
    prior_brier: float
    prior_auc: float | None
    coefficients: dict[str, float]

    def predict(self, features: FloatArray) -> FloatArray:
        return np.asarray(self.model.predict_proba(np.asarray(features, dtype=np.float64))[:, 1], dtype=np.float64)


def train(features: FloatArray, outcomes: NDArray[Any], *, seed: int = 0, folds: int = 5) -> TrainedModel:
    """Fits the model on recorded outcomes (1 = decent income at six months) and measures it by
    stratified cross-validation. Needs both outcomes present, at least `folds` of each."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != len(FEATURES) or y.shape != (x.shape[0],):
        raise ValueError(f"features must be (n, {len(FEATURES)}) and outcomes (n,)")
    positives = int(y.sum())
    if min(positives, y.size - positives) < folds:
        raise ValueError("too few successes or failures to train and cross-validate")

    def make() -> Any:
        return CalibratedClassifierCV(LogisticRegression(max_iter=1000), method="sigmoid", cv=3)

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    cv_p = cross_val_predict(make(), x, y, cv=splitter, method="predict_proba")[:, 1]
    prior_p = prior(x)
    model = make().fit(x, y)
    plain = LogisticRegression(max_iter=1000).fit(x, y)
    return TrainedModel(
        model=model,
        outcomes=int(y.size),
        successes=positives,
        cv_brier=brier(cv_p, y),
        cv_auc=float(roc_auc_score(y, cv_p)),
        prior_brier=brier(prior_p, y),
        prior_auc=float(roc_auc_score(y, prior_p)),
        coefficients={name: float(c) for name, c in zip(FEATURES, plain.coef_[0], strict=True)},
    )
