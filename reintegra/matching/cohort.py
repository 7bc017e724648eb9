"""Reading a cohort (people, options, scores, constraints) from JSON, with every entry checked.

A bad entry raises CohortError with a machine `code`, the JSON path of the entry (`where`, such as
"scores[3].score") and the offending `value`, so a caller can say in the user's language exactly what
to fix. The English message is for logs and tests.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._types import BoolArray, FloatArray, GroupShare, IntArray

CODES = {
    "unreadable": "the file cannot be read",
    "malformed_json": "not valid JSON",
    "wrong_type": "has the wrong type",
    "missing_key": "is missing",
    "unknown_key": "is not a known key",
    "empty_id": "is empty",
    "duplicate_id": "repeats an id used before",
    "unknown_person": "names no person in people",
    "unknown_option": "names no option in options",
    "unknown_round": "names no round in rounds",
    "negative_capacity": "is negative",
    "negative_cost": "is negative",
    "negative_stipend": "is negative",
    "negative_count": "is negative",
    "negative_budget": "is negative",
    "score_not_a_number": "is not a number",
    "score_out_of_range": "is outside [0, 1]",
    "duplicate_pair": "repeats a person and option pair scored before",
    "share_out_of_range": "is outside [0, 1]",
    "min_above_max": "has min above max",
    "unknown_group": "is the group of no person",
    "too_large": "is too large",
    "below_one": "must be at least 1",
}

# The largest number a cohort may hold (a capacity, a count, an amount): beyond it the engine's 64-bit
# arrays overflow, and no cohort has a billion billion seats or costs (issue 12, hostile input).
MAX_NUMBER = 10**15


class CohortError(ValueError):
    def __init__(self, code: str, where: str, value: Any = None) -> None:
        self.code = code
        self.where = where
        self.value = value
        shown = "" if value is None else f" ({value!r})"
        super().__init__(f"{where}{shown}: {CODES.get(code, code)}")


@dataclass(frozen=True)
class Cohort:
    person_ids: list[str]
    option_ids: list[str]
    groups: list[str | None]
    capacity: IntArray
    cost: FloatArray
    stipend: FloatArray
    scores: sp.csr_array  # (people, options); explicit entries are the eligible pairs
    aspirations: list[list[int]]  # option indices per person, most wished first; [] when unknown
    needs_income: BoolArray
    share_group: str | None = None
    group_share: GroupShare | None = None
    budget: float | None = None
    min_assigned_total: int = 0
    top_k: int | None = None  # choice rules (matching/choice.py), from constraints.top_k
    min_top3_share: float | None = None

    def members(self, group: str) -> BoolArray:
        return np.array([g == group for g in self.groups], dtype=bool)

    @property
    def has_choice_rules(self) -> bool:
        return self.top_k is not None or self.min_top3_share is not None

    def rank(self) -> IntArray:
        """The wishes as a (people, options) matrix: 1 for the first wish, 2 the second, 0 not a wish."""
        rank = np.zeros((len(self.person_ids), len(self.option_ids)), dtype=np.int64)
        for i, wished in enumerate(self.aspirations):
            for place, j in reversed(list(enumerate(wished, start=1))):  # an option named twice keeps its first place
                rank[i, j] = place
        return rank


def read_cohort(path: str | Path) -> Cohort:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CohortError("unreadable", str(path), str(error)) from error
    return parse_cohort(text)


def parse_cohort(text: str) -> Cohort:
    root = _json_object(text, "cohort")
    people = _list(_key(root, "people", "cohort"), "people")
    options = _list(_key(root, "options", "cohort"), "options")
    scores = _list(_key(root, "scores", "cohort"), "scores")
    constraints = _object(root.get("constraints", {}), "constraints")
    budget_given = constraints.get("budget") is not None

    option_index: dict[str, int] = {}
    capacity, cost, stipend = [], [], []
    for j, raw in enumerate(options):
        where = f"options[{j}]"
        entry = _object(raw, where)
        option_index[_id(entry, where, option_index)] = j
        capacity.append(_integer(_key(entry, "capacity", where), f"{where}.capacity", "negative_capacity"))
        if budget_given or "cost" in entry:
            cost.append(_amount(_key(entry, "cost", where), f"{where}.cost", "negative_cost"))
        else:
            cost.append(0.0)
        stipend.append(_amount(entry.get("stipend", 0), f"{where}.stipend", "negative_stipend"))

    person_index: dict[str, int] = {}
    groups: list[str | None] = []
    needs: list[bool] = []
    wished: list[list[int]] = []
    for i, raw in enumerate(people):
        where = f"people[{i}]"
        entry = _object(raw, where)
        person_index[_id(entry, where, person_index)] = i
        group = entry.get("group")
        if group is not None and not isinstance(group, str):
            raise CohortError("wrong_type", f"{where}.group", group)
        groups.append(group)
        needs.append(_flag(entry, "needs_income", where))
        ranked: list[int] = []
        for r, option in enumerate(_list(entry.get("aspirations", []), f"{where}.aspirations")):
            if not isinstance(option, str):
                raise CohortError("wrong_type", f"{where}.aspirations[{r}]", option)
            if option not in option_index:
                raise CohortError("unknown_option", f"{where}.aspirations[{r}]", option)
            ranked.append(option_index[option])
        wished.append(ranked)

    n, m = len(people), len(options)
    entries = _scores_at_once(scores, person_index, option_index)
    if entries is None:
        entries = _scores_one_by_one(scores, person_index, option_index)
    matrix = sp.csr_array((entries[2], (entries[0], entries[1])), shape=(n, m))
    share_group, share, budget, total = _constraints(constraints, set(g for g in groups if g is not None))
    top_k, top3_share = _choice_rules(constraints)
    return Cohort(
        person_ids=list(person_index),
        option_ids=list(option_index),
        groups=groups,
        capacity=np.array(capacity, dtype=np.int64),
        cost=np.array(cost, dtype=np.float64),
        stipend=np.array(stipend, dtype=np.float64),
        scores=matrix,
        aspirations=wished,
        needs_income=np.array(needs, dtype=bool),
        share_group=share_group,
        group_share=share,
        budget=budget,
        min_assigned_total=total,
        top_k=top_k,
        min_top3_share=top3_share,
    )


ScoreEntries = tuple[IntArray, IntArray, FloatArray]  # person, option, score of each eligible pair


def _scores_at_once(
    scores: list[Any], person_index: dict[str, int], option_index: dict[str, int]
) -> ScoreEntries | None:
    """The scores of a well-formed list in a few passes (a cohort has hundreds of thousands of pairs),
    or None at the first irregular entry, for `_scores_one_by_one` to find and name it."""
    try:
        person = np.fromiter((person_index[entry["person"]] for entry in scores), np.int64, len(scores))
        option = np.fromiter((option_index[entry["option"]] for entry in scores), np.int64, len(scores))
        raw = [entry["score"] for entry in scores]
        if not all(type(value) is float or type(value) is int for value in raw):  # not bool, not a string
            return None
        value = np.array(raw, dtype=np.float64)
    except (KeyError, TypeError, OverflowError):  # not an object, a key missing, an unknown or unhashable id
        return None
    if not bool(np.all((value >= 0.0) & (value <= 1.0))):  # NaN fails too
        return None
    pair = np.sort(person * max(len(option_index), 1) + option)
    if pair.size > 1 and not bool(np.all(pair[1:] != pair[:-1])):
        return None
    return person, option, value


def _scores_one_by_one(scores: list[Any], person_index: dict[str, int], option_index: dict[str, int]) -> ScoreEntries:
    """Every entry checked in order: CohortError names the first bad one."""
    rows, cols, values = [], [], []
    seen: set[tuple[int, int]] = set()
    for s, raw in enumerate(scores):
        where = f"scores[{s}]"
        entry = _object(raw, where)
        person, option = _key(entry, "person", where), _key(entry, "option", where)
        if not isinstance(person, str) or person not in person_index:
            raise CohortError("unknown_person", f"{where}.person", person)
        if not isinstance(option, str) or option not in option_index:
            raise CohortError("unknown_option", f"{where}.option", option)
        value = _score(_key(entry, "score", where), f"{where}.score")
        pair = (person_index[person], option_index[option])
        if pair in seen:
            raise CohortError("duplicate_pair", where, f"{person}/{option}")
        seen.add(pair)
        rows.append(pair[0])
        cols.append(pair[1])
        values.append(value)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(values, dtype=np.float64)


def _constraints(
    constraints: dict[str, Any], known_groups: set[str]
) -> tuple[str | None, GroupShare | None, float | None, int]:
    for key in constraints:
        if key not in {"group_share", "budget", "min_assigned_total", "top_k", "min_top3_share"}:
            raise CohortError("unknown_key", f"constraints.{key}", key)
    share_group = share = budget = None
    if constraints.get("group_share") is not None:
        where = "constraints.group_share"
        band = _object(constraints["group_share"], where)
        for key in band:
            if key not in {"group", "min", "max", "min_assigned"}:
                raise CohortError("unknown_key", f"{where}.{key}", key)
        share_group = _key(band, "group", where)
        if not isinstance(share_group, str):
            raise CohortError("wrong_type", f"{where}.group", share_group)
        if share_group not in known_groups:
            raise CohortError("unknown_group", f"{where}.group", share_group)
        low = _share(band.get("min", 0.0), f"{where}.min")
        high = _share(band.get("max", 1.0), f"{where}.max")
        if low > high:
            raise CohortError("min_above_max", where, f"{low} > {high}")
        least = _integer(band.get("min_assigned", 1), f"{where}.min_assigned", "negative_count")
        share = GroupShare(min=low, max=high, min_assigned=least)
    if constraints.get("budget") is not None:
        budget = _number(constraints["budget"], "constraints.budget")
        if budget < 0:
            raise CohortError("negative_budget", "constraints.budget", budget)
    total = _integer(constraints.get("min_assigned_total", 0), "constraints.min_assigned_total", "negative_count")
    return share_group, share, budget, total


def _choice_rules(constraints: dict[str, Any]) -> tuple[int | None, float | None]:
    """constraints.top_k (whoever is offered anything gets one of their first k wishes, when one is
    eligible) and constraints.min_top3_share (of all the people, in a top-3 wish)."""
    top_k = None
    if constraints.get("top_k") is not None:
        top_k = _integer(constraints["top_k"], "constraints.top_k", "below_one")
        if top_k < 1:
            raise CohortError("below_one", "constraints.top_k", constraints["top_k"])
    share = None
    if constraints.get("min_top3_share") is not None:
        share = _share(constraints["min_top3_share"], "constraints.min_top3_share")
    return top_k, share


def _json_object(text: str, what: str) -> dict[str, Any]:
    """The file's JSON object; CohortError names where it is malformed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CohortError("malformed_json", f"line {error.lineno} column {error.colno}", error.msg) from error
    except RecursionError:
        raise CohortError("malformed_json", what, "nested too deeply") from None
    except ValueError as error:  # an integer of more digits than Python reads
        raise CohortError("malformed_json", what, str(error)[:200]) from None
    return _object(data, what)


def _entry(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    """An object whose keys are all among `allowed`."""
    entry = _object(value, where)
    for key in entry:
        if key not in allowed:
            raise CohortError("unknown_key", f"{where}.{key}", key)
    return entry


def _flag(entry: dict[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise CohortError("wrong_type", f"{where}.{key}", value)
    return value


def _score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not _is_finite(value):
        raise CohortError("score_not_a_number", where, value)
    if not 0.0 <= value <= 1.0:
        raise CohortError("score_out_of_range", where, value)
    return float(value)


def _key(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry:
        raise CohortError("missing_key", f"{where}.{key}")
    return entry[key]


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CohortError("wrong_type", where, type(value).__name__)
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise CohortError("wrong_type", where, type(value).__name__)
    return value


def _id(entry: dict[str, Any], where: str, seen: dict[str, int]) -> str:
    value = _key(entry, "id", where)
    if not isinstance(value, str):
        raise CohortError("wrong_type", f"{where}.id", value)
    if not value.strip():
        raise CohortError("empty_id", f"{where}.id", value)
    if value in seen:
        raise CohortError("duplicate_id", f"{where}.id", value)
    return value


def _is_finite(value: int | float) -> bool:
    """An integer beyond a float's range (10^400) is not a number the engine can hold."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not _is_finite(value):
        raise CohortError("wrong_type", where, value)
    if abs(value) > MAX_NUMBER:
        raise CohortError("too_large", where, value)
    return float(value)


def _amount(value: Any, where: str, negative: str) -> float:
    amount = _number(value, where)
    if amount < 0:
        raise CohortError(negative, where, value)
    return amount


def _integer(value: Any, where: str, negative: str) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
        raise CohortError("wrong_type", where, value)
    if value < 0:
        raise CohortError(negative, where, value)
    if value > MAX_NUMBER:
        raise CohortError("too_large", where, value)
    return int(value)


def _share(value: Any, where: str) -> float:
    share = _number(value, where)
    if not 0.0 <= share <= 1.0:
        raise CohortError("share_out_of_range", where, value)
    return share
