"""The reintegration sustainability index: each indicator scored 0–1 by a documented rule, a score
per dimension (weighted mean of its indicators) and a composite (weighted mean of the dimensions).

Pure: plain data in, numbers out; no Django. The rules and a worked example are in
docs/reintegration-index.md. Out-of-range answers raise `AnswerError` naming the indicator.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

ECONOMIC, SOCIAL, PSYCHOSOCIAL = "economic", "social", "psychosocial"
DIMENSIONS = (ECONOMIC, SOCIAL, PSYCHOSOCIAL)
# The largest amount of money accepted (lib.validators.MAX_AMOUNT; this module imports no Django).
MAX_AMOUNT = 10_000_000_000


class AnswerError(ValueError):
    def __init__(self, indicator: str, message: str):
        self.indicator = indicator
        super().__init__(f"{indicator}: {message}")


class _Levels:
    """An answer among named levels, listed worst first (answers outside the scale last)."""

    def __init__(self, name: str, scores: Mapping[str, float]) -> None:
        self.name, self.scores = name, dict(scores)
        self.levels = tuple(scores)

    def __call__(self, answer: object) -> float:
        if answer not in self.scores:
            raise AnswerError(self.name, f"expected one of {', '.join(self.scores)}, got {answer!r}")
        return self.scores[str(answer)]


_levels = _Levels


def _likert(name: str) -> Callable[[object], float]:
    """1 (very poor) … 5 (very good) → 0, 0.25, 0.5, 0.75, 1."""

    def score(answer: object) -> float:
        if isinstance(answer, bool) or not isinstance(answer, int | float) or not 1 <= answer <= 5:
            raise AnswerError(name, f"expected a whole number from 1 to 5, got {answer!r}")
        if int(answer) != answer:
            raise AnswerError(name, f"expected a whole number from 1 to 5, got {answer!r}")
        return (float(answer) - 1) / 4

    return score


def _count(name: str, full_at: int) -> Callable[[object], float]:
    def score(answer: object) -> float:
        if isinstance(answer, bool) or not isinstance(answer, int) or answer < 0 or answer > 20:
            raise AnswerError(name, f"expected a whole number from 0 to 20, got {answer!r}")
        return min(answer, full_at) / full_at

    return score


def _debt_to_income(name: str) -> Callable[[object], float]:
    """Debt outstanding ÷ monthly income: no debt → 1; twelve months of income or more → 0; linear
    between. No income but debt → 0. Given as {"debt": …, "monthly_income": …}, both ≥ 0."""

    def score(answer: object) -> float:
        if not isinstance(answer, Mapping):
            raise AnswerError(name, "expected {'debt': amount, 'monthly_income': amount}")
        try:
            debt, income = float(answer["debt"]), float(answer["monthly_income"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise AnswerError(name, "expected {'debt': amount, 'monthly_income': amount}") from None
        if not (math.isfinite(debt) and math.isfinite(income)) or max(debt, income) > MAX_AMOUNT:
            raise AnswerError(name, f"amounts must be finite numbers up to {MAX_AMOUNT:,}")
        if debt < 0 or income < 0:
            raise AnswerError(name, "amounts cannot be negative")
        if debt == 0:
            return 1.0
        if income == 0:
            return 0.0
        return max(0.0, 1 - (debt / income) / 12)

    return score


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    rule: str  # the scoring rule in words, for the documentation and the form's help
    score: Callable[[object], float] = field(compare=False)


FREQUENCY = {"often": 0.0, "sometimes": 0.5, "never": 1.0}
NO_PARTLY_YES = {"no": 0.0, "partly": 0.5, "yes": 1.0}

INDICATORS: tuple[Indicator, ...] = (
    Indicator("income_sources", ECONOMIC, "number of sources of income; 2 or more = 1", _count("income_sources", 2)),
    Indicator(
        "employment",
        ECONOMIC,
        "none 0 · irregular or informal 0.5 · regular work or a running business 1",
        _levels("employment", {"none": 0.0, "irregular": 0.5, "regular": 1.0}),
    ),
    Indicator(
        "debt_to_income",
        ECONOMIC,
        "1 − (debt ÷ monthly income) ÷ 12, within 0–1; no debt = 1",
        _debt_to_income("debt_to_income"),
    ),
    Indicator(
        "food_security",
        ECONOMIC,
        "went without enough food last month: often 0 · sometimes 0.5 · never 1",
        _levels("food_security", FREQUENCY),
    ),
    Indicator(
        "productive_assets",
        ECONOMIC,
        "access to land, tools, equipment or capital: no 0 · partly 0.5 · yes 1",
        _levels("productive_assets", NO_PARTLY_YES),
    ),
    Indicator(
        "economic_satisfaction",
        ECONOMIC,
        "satisfaction with the economic situation, 1–5 → 0–1",
        _likert("economic_satisfaction"),
    ),
    Indicator(
        "housing",
        SOCIAL,
        "no safe housing 0 · temporary 0.5 · stable 1",
        _levels("housing", {"none": 0.0, "temporary": 0.5, "stable": 1.0}),
    ),
    Indicator(
        "health_access",
        SOCIAL,
        "can get health care when needed: no 0 · partly 0.5 · yes 1",
        _levels("health_access", NO_PARTLY_YES),
    ),
    Indicator(
        "children_education",
        SOCIAL,
        "school-age children in school: none 0 · some 0.5 · all, or no school-age children 1",
        _levels("children_education", {"none": 0.0, "some": 0.5, "all": 1.0, "not_applicable": 1.0}),
    ),
    Indicator(
        "documentation",
        SOCIAL,
        "has identity and civil documents: no 0 · in process 0.5 · yes 1",
        _levels("documentation", {"no": 0.0, "in_process": 0.5, "yes": 1.0}),
    ),
    Indicator(
        "justice",
        SOCIAL,
        "access to justice or remedy: no 0 · in process 0.5 · yes or not sought 1",
        _levels("justice", {"no": 0.0, "in_process": 0.5, "yes": 1.0, "not_sought": 1.0}),
    ),
    Indicator(
        "participation", SOCIAL, "takes part in community life and social networks, 1–5 → 0–1", _likert("participation")
    ),
    Indicator("belonging", PSYCHOSOCIAL, "sense of belonging and acceptance, 1–5 → 0–1", _likert("belonging")),
    Indicator(
        "stigma",
        PSYCHOSOCIAL,
        "stigma or discrimination experienced: often 0 · sometimes 0.5 · never 1",
        _levels("stigma", FREQUENCY),
    ),
    Indicator("feeling_safe", PSYCHOSOCIAL, "feels safe where they live, 1–5 → 0–1", _likert("feeling_safe")),
    Indicator(
        "distress",
        PSYCHOSOCIAL,
        "signs of distress: severe 0 · some 0.5 · none 1",
        _levels("distress", {"severe": 0.0, "some": 0.5, "none": 1.0}),
    ),
    Indicator(
        "migrate_of_necessity",
        PSYCHOSOCIAL,
        "wishes to migrate again out of necessity rather than choice: yes 0 · unsure 0.5 · no 1",
        _levels("migrate_of_necessity", {"yes": 0.0, "unsure": 0.5, "no": 1.0}),
    ),
)
BY_CODE = {i.code: i for i in INDICATORS}


@dataclass(frozen=True)
class Weights:
    """Weights within each dimension (per indicator) and across dimensions; default: all equal."""

    indicators: Mapping[str, float] = field(default_factory=dict)
    dimensions: Mapping[str, float] = field(default_factory=dict)

    def of_indicator(self, code: str) -> float:
        return float(self.indicators.get(code, 1.0))

    def of_dimension(self, dimension: str) -> float:
        return float(self.dimensions.get(dimension, 1.0))


@dataclass(frozen=True)
class Scores:
    indicators: dict[str, float]
    dimensions: dict[str, float]
    composite: float


def score(answers: Mapping[str, object], weights: Weights | None = None) -> Scores:
    """Every indicator must be answered: a missing one is an error, not a silent zero."""
    weights = weights or Weights()
    unknown = sorted(set(answers) - set(BY_CODE))
    if unknown:
        raise AnswerError(unknown[0], "not an indicator of the index")
    missing = [i.code for i in INDICATORS if i.code not in answers]
    if missing:
        raise AnswerError(missing[0], "not answered")
    for name, value in [*weights.indicators.items(), *weights.dimensions.items()]:
        if value < 0:
            raise AnswerError(name, "a weight cannot be negative")
    indicator_scores = {i.code: i.score(answers[i.code]) for i in INDICATORS}
    dimensions: dict[str, float] = {}
    for dimension in DIMENSIONS:
        members = [i.code for i in INDICATORS if i.dimension == dimension]
        total = sum(weights.of_indicator(c) for c in members)
        if total == 0:
            raise AnswerError(dimension, "the weights of its indicators add up to zero")
        dimensions[dimension] = sum(indicator_scores[c] * weights.of_indicator(c) for c in members) / total
    total = sum(weights.of_dimension(d) for d in DIMENSIONS)
    if total == 0:
        raise AnswerError("dimensions", "the dimension weights add up to zero")
    composite = sum(dimensions[d] * weights.of_dimension(d) for d in DIMENSIONS) / total
    return Scores(indicators=indicator_scores, dimensions=dimensions, composite=composite)


# The answers of each indicator answered by a level, worst first: the assessment form offers them,
# the demo draws from them. Some answers are outside the worst-to-best scale (no school-age
# children, justice not sought).
LEVELS: dict[str, tuple[str, ...]] = {i.code: i.score.levels for i in INDICATORS if isinstance(i.score, _Levels)}
OUTSIDE_THE_SCALE = frozenset({"not_applicable", "not_sought"})
