"""Benchmark of the matching engine: `make bench` (or `python -m bench.matching`).

Each case runs in its own subprocess, so that its peak memory (ru_maxrss) is its own; results go to
bench/results/matching.json and a table to bench/results/matching.md. Instances are synthetic with
fixed seeds. Timed figures belong here, not in the tests; the tests check correctness.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from bench.match_process import case_match_process, match_process_markdown
from bench.simulate import case_simulate, simulate_markdown
from reintegra.matching import (
    Allocation,
    GroupShare,
    InfeasibleError,
    allocate,
    allocate_choice,
    allocate_menus,
    allocate_stable,
    choice_curve,
    greedy,
    justified_envy,
    metrics,
    random_allocation,
    verify,
)

RESULTS = Path(__file__).parent / "results"
TARGETS = {
    "flow_100k_x_100": "allocate no slower than the bare OR-Tools solve (aim: 1/4 of it), exact, peak ≤ 3 GB",
    "flow_10k_x_200": "≤ 2 s",
    "mip_10k_x_50": "≤ 20 s, objective ≥ 99.5 % of the LP bound, every constraint exact",
    "choice_10k_x_50": "each of the top-3 rule, a minimum top-3 share of 50 % and the stable mode ≤ 5 s",
    "match_process_10k_x_50": "`reintegra match` as a whole process ≤ 0.05 of the bare HiGHS LP, at its quality",
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def market(n: int, m: int, seed: int, *, group: np.ndarray | None = None) -> np.ndarray:
    """Success probabilities: option popularity, a low-rank person–option fit, noise; with `group`, a
    gendered pull of some occupations (labour markets are segregated; the model never sees gender)."""
    rng = np.random.default_rng(seed)
    logit = -1.0 + 0.8 * rng.normal(0, 1, m)[None, :]
    logit = logit + 0.5 * (rng.normal(0, 1, (n, 3)) @ rng.normal(0, 1, (3, m)))
    if group is not None:
        logit = logit + 0.8 * np.where(group, 1.0, -1.0)[:, None] * rng.normal(0, 1, m)[None, :]
    logit += 0.7 * rng.normal(0, 1, (n, m))
    return 1.0 / (1.0 + np.exp(-logit))


def flow_instance(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    scores = market(n, m, seed)
    capacity = np.random.default_rng(seed + 1).integers(200, 1400, m) * n // 100_000 * 100 // m
    return scores, np.maximum(capacity, 1)


def case_flow_bare(n: int, m: int, seed: int) -> dict[str, Any]:
    from ortools.graph.python import min_cost_flow

    from reintegra.matching.flow import score_scale

    scores, capacity = flow_instance(n, m, seed)
    scale = score_scale(float(np.abs(scores).max()), n + m + 1)  # the rounding allocate uses
    person = np.arange(n, dtype=np.int32)
    option_node = n + np.arange(m, dtype=np.int32)
    sink = n + m
    tails = np.concatenate([np.repeat(person, m), person, option_node])
    heads = np.concatenate([np.tile(option_node, n), np.full(n, sink, np.int32), np.full(m, sink, np.int32)])
    caps = np.concatenate([np.ones(n * m + n, np.int64), capacity.astype(np.int64)])
    costs = np.concatenate([-np.rint(scores * scale).astype(np.int64).ravel(), np.zeros(n + m, np.int64)])
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n + m + 1, np.int64)
    supplies[:n], supplies[sink] = 1, -n
    solver.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies)
    started = time.perf_counter()
    status = solver.solve()
    seconds = time.perf_counter() - started
    assert status == solver.OPTIMAL
    return {
        "seconds_solve": seconds,
        "scaled_objective": -int(solver.optimal_cost()),
        "arcs": int(tails.size),
        "peak_rss_mb": peak_mb(),
    }


def case_flow_allocate(n: int, m: int, seed: int, repeat: int = 1) -> dict[str, Any]:
    scores, capacity = flow_instance(n, m, seed)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        allocation = allocate(scores, capacity)
        timings.append(time.perf_counter() - started)
    assert verify(allocation.assignment, scores, capacity) == []
    return {
        "seconds": min(timings),
        "seconds_all": timings,
        "scaled_objective": allocation.scaled_objective,
        "objective": allocation.objective,
        "rounding_bound": allocation.rounding_bound,
        "rounds": allocation.rounds,
        "arcs_last_round": allocation.arcs,
        "assigned": allocation.assigned,
        "seats": int(capacity.sum()),
        "peak_rss_mb": peak_mb(),
    }


def mip_instance(n: int, m: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    group = rng.random(n) < 0.45
    scores = market(n, m, seed + 1, group=group)
    capacity = rng.integers(100, 260, m) * n // 10_000
    cost = rng.integers(5, 31, m) * 100
    free = allocate(scores, capacity)
    budget = int(0.7 * cost[free.assignment[free.assignment >= 0]].sum())  # binding: 70 % of what the best costs
    return {
        "scores": scores,
        "capacity": capacity,
        "group": group,
        "cost": cost,
        "budget": budget,
        "unconstrained": free.objective,
    }


def case_mip(n: int, m: int, seed: int) -> dict[str, Any]:
    data = mip_instance(n, m, seed)
    share = GroupShare(0.3, 0.7, 10)
    kwargs = dict(group=data["group"], group_share=share, budget=data["budget"], cost=data["cost"])
    started = time.perf_counter()
    allocation = allocate(data["scores"], data["capacity"], **kwargs)
    seconds = time.perf_counter() - started
    broken = verify(allocation.assignment, data["scores"], data["capacity"], **kwargs)
    spent = int(data["cost"][allocation.assignment[allocation.assignment >= 0]].sum())
    measured = metrics(allocation, data["scores"], group=data["group"], min_assigned=share.min_assigned)
    return {
        "seconds": seconds,
        "objective": allocation.objective,
        "lp_bound": allocation.lp_bound,
        "objective_over_lp_bound": allocation.objective / allocation.lp_bound,
        "mip_bound": allocation.mip_bound,
        "kept_mip_bound": allocation.extra.get("kept_mip_bound"),
        "objective_over_kept_mip_bound": allocation.objective / allocation.extra["kept_mip_bound"],
        "status": allocation.status,
        "violations": [str(v) for v in broken],
        "budget": data["budget"],
        "spent": spent,
        "group_share_min": measured.group_share_min,
        "group_share_max": measured.group_share_max,
        "unconstrained_objective": data["unconstrained"],
        "lp_columns": allocation.extra.get("lp_columns"),
        "mip_columns": allocation.arcs,
        "peak_rss_mb": peak_mb(),
    }


def cohort(n: int, m: int, seed: int) -> dict[str, Any]:
    """A programme round: people in 4 provinces with prior work in 5 sectors (segregated by gender),
    options per province and sector (training, paid training with a stipend, self-employment), scores
    from local demand, fit of experience and aspiration, with noise. Eligible: options in the person's
    province, and national ones."""
    rng = np.random.default_rng(seed)
    woman = rng.random(n) < 0.5
    province = rng.integers(0, 4, n)
    sector_pull = np.array([[0.35, 0.05, 0.25, 0.1, 0.25], [0.05, 0.4, 0.15, 0.3, 0.1]])  # women, men
    sector = np.array([rng.choice(5, p=sector_pull[0 if w else 1]) for w in woman])
    option_province = np.where(rng.random(m) < 0.2, -1, rng.integers(0, 4, m))  # -1: national
    option_sector = rng.integers(0, 5, m)
    kind = rng.choice(3, m, p=[0.45, 0.3, 0.25])  # training, paid training, self-employment
    stipend = np.where(kind == 1, rng.integers(20, 50, m) * 100, 0)
    capacity = rng.integers(20, 45, m)
    demand = rng.normal(0, 0.6, (4, 5))
    aspirations = []
    aspiration_bonus = np.zeros((n, m))
    for i in range(n):
        if rng.random() < 0.7:
            weights = np.where(option_sector == sector[i], 4.0, 1.0)
            weights /= weights.sum()
            wished = list(rng.choice(m, size=3, replace=False, p=weights))
            aspirations.append(wished)
            aspiration_bonus[i, wished] = [0.6, 0.4, 0.2]
        else:
            aspirations.append([])
    local = np.where(option_province[None, :] == -1, province[:, None], option_province[None, :])
    logit = (
        -1.2
        + demand[local, option_sector[None, :]]
        + 0.9 * (sector[:, None] == option_sector[None, :])
        + aspiration_bonus
        + np.where(kind == 2, -0.3, 0.0)[None, :]
        + 0.6 * rng.normal(0, 1, (n, m))
    )
    scores = 1.0 / (1.0 + np.exp(-logit))
    eligible = (option_province[None, :] == -1) | (option_province[None, :] == province[:, None])
    scores[~eligible] = np.nan
    return {
        "scores": scores,
        "capacity": capacity,
        "woman": woman,
        "aspirations": aspirations,
        "needs_income": rng.random(n) < 0.5,
        "stipend": stipend,
    }


def case_quality(n: int, m: int, seed: int) -> dict[str, Any]:
    data = cohort(n, m, seed)
    scores, capacity = data["scores"], data["capacity"]
    share = GroupShare(0.3, 0.7, 10)
    runs = {
        "optimal": allocate(scores, capacity),
        "optimal_with_band": allocate(scores, capacity, group=data["woman"], group_share=share),
        "greedy": greedy(scores, capacity),
        "random": random_allocation(scores, capacity, seed=seed),
    }
    out: dict[str, Any] = {
        "people": n,
        "options": m,
        "seats": int(capacity.sum()),
        "eligible_pairs": int((~np.isnan(scores)).sum()),
    }
    for name, allocation in runs.items():
        measured = metrics(
            allocation,
            scores,
            group=data["woman"],
            aspirations=data["aspirations"],
            needs_income=data["needs_income"],
            stipend=data["stipend"],
            min_assigned=share.min_assigned,
        ).as_dict()
        measured["assigned"] = allocation.assigned
        measured["band_violations"] = len(
            verify(allocation.assignment, scores, capacity, group=data["woman"], group_share=share)
        )
        out[name] = measured
    for name in ("greedy", "random"):
        gain = runs["optimal"].objective / runs[name].objective - 1
        out[f"optimal_gain_over_{name}"] = gain
    return out


def wish_ranks(aspirations: list[list[int]], m: int) -> np.ndarray:
    """rank[i, j] = 1 for person i's first wish, 2 the second, ...; 0 when j is not a wish."""
    rank = np.zeros((len(aspirations), m), dtype=np.int64)
    for i, wished in enumerate(aspirations):
        for k, j in enumerate(wished):
            rank[i, j] = k + 1
    return rank


def choice_instance(n: int, m: int, seed: int) -> dict[str, Any]:
    """10,000 × 50 as (c) without side constraints, with three ranked wishes for 70 % of the people,
    drawn towards the options they fit (as people wish for what they know) and raising their chance."""
    rng = np.random.default_rng(seed)
    scores = market(n, m, seed + 1)
    capacity = rng.integers(100, 260, m) * n // 10_000
    aspirations: list[list[int]] = []
    for i in range(n):
        if rng.random() < 0.7:
            weights = scores[i] ** 2
            aspirations.append([int(j) for j in rng.choice(m, size=3, replace=False, p=weights / weights.sum())])
        else:
            aspirations.append([])
    return {"scores": scores, "capacity": capacity, "rank": wish_ranks(aspirations, m)}


def case_choice(n: int, m: int, seed: int, mode: str) -> dict[str, Any]:
    data = choice_instance(n, m, seed)
    scores, capacity, rank = data["scores"], data["capacity"], data["rank"]
    free = allocate(scores, capacity)
    started = time.perf_counter()
    if mode == "top3_rule":
        allocation = allocate_choice(scores, capacity, rank, top_k=3)
    elif mode == "min_top3_50":
        allocation = allocate_choice(scores, capacity, rank, min_top3_share=0.5)
    else:
        allocation = allocate_stable(scores, capacity, rank)
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        "seconds": seconds,
        "objective": allocation.objective,
        "free_objective": free.objective,
        "price": free.objective - allocation.objective,
        "assigned": allocation.assigned,
        "status": allocation.status,
        "violations": len(verify(allocation.assignment, scores, capacity)),
        "top3_share": _top3_share(allocation.assignment, rank, scores),
        "free_top3_share": _top3_share(free.assignment, rank, scores),
        "peak_rss_mb": peak_mb(),
    }
    if mode == "top3_rule":
        top = (rank >= 1) & (rank <= 3) & ~np.isnan(scores)
        has = top.any(axis=1)
        placed = allocation.assignment >= 0
        hit = np.zeros(n, dtype=bool)
        hit[placed] = top[np.flatnonzero(placed), allocation.assignment[placed]]
        out["rule_broken"] = int((has & placed & ~hit).sum())
    if mode == "stable":
        out["justified_envy_pairs"] = len(justified_envy(allocation.assignment, scores, capacity, rank))
    return out


def _top3_share(assignment: np.ndarray, rank: np.ndarray, scores: np.ndarray) -> float:
    """Of the whole cohort, the share given one of their top-3 wishes."""
    placed = np.flatnonzero(assignment >= 0)
    chosen = rank[placed, assignment[placed]]
    return float(((chosen >= 1) & (chosen <= 3)).sum() / assignment.size)


def case_modes(n: int, m: int, seed: int) -> dict[str, Any]:
    """The programme round (d) in every mode, side by side, and the exact trade-off curve."""
    data = cohort(n, m, seed)
    scores, capacity = data["scores"], data["capacity"]
    rank = wish_ranks(data["aspirations"], m)
    runs: dict[str, Allocation] = {"optimal": allocate(scores, capacity)}
    seconds: dict[str, float] = {}
    menus_top3: dict[str, float] = {}
    menu_length: dict[str, float] = {}
    infeasible: dict[str, str] = {}
    for name, run in {
        "top3_rule": lambda: allocate_choice(scores, capacity, rank, top_k=3),
        "top1_rule": lambda: allocate_choice(scores, capacity, rank, top_k=1),
        "min_top3_40": lambda: allocate_choice(scores, capacity, rank, min_top3_share=0.4),
        "min_top3_50": lambda: allocate_choice(scores, capacity, rank, min_top3_share=0.5),
        "stable": lambda: allocate_stable(scores, capacity, rank),
        "greedy": lambda: greedy(scores, capacity),
    }.items():
        started = time.perf_counter()
        try:
            runs[name] = run()
        except InfeasibleError as exc:
            infeasible[name] = str(exc)
        seconds[name] = time.perf_counter() - started
    for size in (2, 3):
        started = time.perf_counter()
        made = allocate_menus(scores, capacity, rank, size=size)
        seconds[f"menu{size}"] = time.perf_counter() - started
        first = np.array([menu[0] if menu else -1 for menu in made.menus], dtype=np.int64)
        runs[f"menu{size}"] = Allocation(
            first, float(np.nansum(scores[np.flatnonzero(first >= 0), first[first >= 0]])), "menus"
        )
        lengths = [len(menu) for menu in made.menus if menu]
        menu_length[f"menu{size}"] = sum(lengths) / len(lengths) if lengths else 0.0
        menus_top3[f"menu{size}"] = (
            sum(1 for i, menu in enumerate(made.menus) if any(1 <= rank[i, j] <= 3 for j in menu)) / n
        )
        per_option = np.bincount([j for menu in made.menus for j in menu], minlength=m)
        if (per_option > capacity).any():
            infeasible[f"menu{size}"] = "seats over-promised"
    out: dict[str, Any] = {"people": n, "options": m, "seats": int(capacity.sum()), "seconds": seconds}
    for name, allocation in runs.items():
        measured = metrics(
            allocation,
            scores,
            group=data["woman"],
            aspirations=data["aspirations"],
            needs_income=data["needs_income"],
            stipend=data["stipend"],
        ).as_dict()
        measured["top3_share_of_all"] = _top3_share(allocation.assignment, rank, scores)
        measured["assigned"] = allocation.assigned
        measured["price"] = runs["optimal"].objective - measured["expected_placements"]
        if name in menus_top3:
            measured["top3_on_menu_share_of_all"] = menus_top3[name]
            measured["mean_menu_length"] = menu_length[name]
        out[name] = measured
    out["infeasible"] = infeasible
    started = time.perf_counter()
    out["curve"] = [
        {"required": p.required_share, "top3_share": p.top3_share, "expected": p.expected, "price": p.price}
        for p in choice_curve(scores, capacity, rank)
    ]
    out["curve_seconds"] = time.perf_counter() - started
    return out


CASES = {
    "flow_100k_x_100_bare": lambda: case_flow_bare(100_000, 100, 1),
    "flow_100k_x_100_allocate": lambda: case_flow_allocate(100_000, 100, 1),
    "flow_10k_x_200": lambda: case_flow_allocate(10_000, 200, 2, repeat=3),
    "mip_10k_x_50": lambda: case_mip(10_000, 50, 3),
    "quality_2k_x_40": lambda: case_quality(2_000, 40, 4),
    "choice_top3_rule_10k_x_50": lambda: case_choice(10_000, 50, 5, "top3_rule"),
    "choice_min_top3_50_10k_x_50": lambda: case_choice(10_000, 50, 5, "min_top3_50"),
    "stable_10k_x_50": lambda: case_choice(10_000, 50, 5, "stable"),
    "modes_2k_x_40": lambda: case_modes(2_000, 40, 4),
    "match_process_10k_x_50": lambda: case_match_process(mip_instance(10_000, 50, 3)),
    "simulate_year_5000": case_simulate,
}
CHOICE_CASES = ("choice_top3_rule_10k_x_50", "choice_min_top3_50_10k_x_50", "stable_10k_x_50")
# Issue 17: `--only-new` runs these and keeps the others' recorded figures.
NEW_CASES = (
    "mip_10k_x_50",
    *CHOICE_CASES,
    "modes_2k_x_40",
    "match_process_10k_x_50",
    "simulate_year_5000",
)


def run_case(name: str) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "bench.matching", "--case", name],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def machine() -> dict[str, Any]:
    packages = ["numpy", "scipy", "ortools", "highspy"]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: metadata.version(name) for name in packages},
    }


def summary(results: dict[str, Any]) -> dict[str, Any]:
    bare, fast = results["flow_100k_x_100_bare"], results["flow_100k_x_100_allocate"]
    mip = results["mip_10k_x_50"]
    return {
        "flow_100k_x_100": {
            "bare_solve_seconds": bare["seconds_solve"],
            "allocate_seconds": fast["seconds"],
            "ratio": fast["seconds"] / bare["seconds_solve"],
            "objectives_equal": bare["scaled_objective"] == fast["scaled_objective"],
            "allocate_peak_rss_mb": fast["peak_rss_mb"],
            "bare_peak_rss_mb": bare["peak_rss_mb"],
            "met": fast["seconds"] <= bare["seconds_solve"]
            and bare["scaled_objective"] == fast["scaled_objective"]
            and fast["peak_rss_mb"] <= 3072,
        },
        "flow_10k_x_200": {
            "seconds": results["flow_10k_x_200"]["seconds"],
            "met": results["flow_10k_x_200"]["seconds"] <= 2.0,
        },
        "mip_10k_x_50": {
            "seconds": mip["seconds"],
            "objective_over_lp_bound": mip["objective_over_lp_bound"],
            "objective_over_kept_mip_bound": mip["objective_over_kept_mip_bound"],
            "violations": len(mip["violations"]),
            "met": mip["seconds"] <= 20 and mip["objective_over_lp_bound"] >= 0.995 and not mip["violations"],
        },
        "choice_10k_x_50": {
            name: {
                "seconds": results[name]["seconds"],
                "met": results[name]["seconds"] <= 5
                and not results[name]["violations"]
                and not results[name].get("rule_broken")
                and not results[name].get("justified_envy_pairs"),
            }
            for name in CHOICE_CASES
            if name in results
        },
    }


def markdown(report: dict[str, Any]) -> str:
    s, r, q = report["summary"], report["results"], report["results"]["quality_2k_x_40"]
    big = s["flow_100k_x_100"]
    m = report["machine"]
    lines = [
        "# Matching benchmark",
        "",
        f"{m['date']}, {m['cores']} cores, Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        "",
        "| case | measured | target | met |",
        "| --- | --- | --- | --- |",
        f"| 100,000 × 100, all eligible | allocate {big['allocate_seconds']:.2f} s vs bare OR-Tools solve "
        f"{big['bare_solve_seconds']:.2f} s (ratio {big['ratio']:.2f}); objectives equal: {big['objectives_equal']}; "
        f"peak {big['allocate_peak_rss_mb']:.0f} MB (bare: {big['bare_peak_rss_mb']:.0f} MB)"
        f" | {TARGETS['flow_100k_x_100']} | {big['met']} |",
        f"| 10,000 × 200 | {s['flow_10k_x_200']['seconds']:.2f} s | {TARGETS['flow_10k_x_200']} "
        f"| {s['flow_10k_x_200']['met']} |",
        f"| 10,000 × 50, band 30–70 % (≥ 10 people), budget 70 % | {s['mip_10k_x_50']['seconds']:.2f} s, "
        f"objective / LP bound {s['mip_10k_x_50']['objective_over_lp_bound']:.4%} "
        f"(/ the MIP's bound on the pairs it kept {s['mip_10k_x_50']['objective_over_kept_mip_bound']:.4%}), "
        f"{s['mip_10k_x_50']['violations']} violations | {TARGETS['mip_10k_x_50']} | {s['mip_10k_x_50']['met']} |",
        "",
        f"Quality on a synthetic programme round ({q['people']} people, {q['options']} options, {q['seats']} seats):",
        "",
        "| allocation | expected placements | top-3 aspiration | stipend coverage | Duncan index "
        "| group share min–max | band violations |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in ("optimal", "optimal_with_band", "greedy", "random"):
        row = q[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {row['expected_placements']:.1f} | {row['top3_aspiration_share']:.1%} "
            f"| {row['stipend_coverage']:.1%} | {row['duncan_index']:.3f} "
            f"| {row['group_share_min']:.2f}–{row['group_share_max']:.2f} | {row['band_violations']} |"
        )
    lines += [
        "",
        f"Optimal gains {q['optimal_gain_over_greedy']:.1%} expected placements over greedy and "
        f"{q['optimal_gain_over_random']:.1%} over random. MIP status: {r['mip_10k_x_50']['status']}.",
        "",
    ]
    lines += match_process_markdown(report)
    lines += simulate_markdown(report)
    lines += choice_markdown(report)
    return "\n".join(lines)


CHOICE_LABELS = {
    "choice_top3_rule_10k_x_50": "top-3 rule (whoever is placed gets a top-3 wish when one is eligible)",
    "choice_min_top3_50_10k_x_50": "at least 50 % of the cohort in a top-3 wish",
    "stable_10k_x_50": "stable (person-proposing deferred acceptance)",
}
MODE_LABELS = {
    "optimal": "optimal",
    "top1_rule": "optimal, top-1 rule",
    "top3_rule": "optimal, top-3 rule",
    "min_top3_40": "optimal, ≥ 40 % in a top-3 wish",
    "min_top3_50": "optimal, ≥ 50 % in a top-3 wish",
    "stable": "stable (choice first)",
    "menu2": "menu of 2 (first option taken)",
    "menu3": "menu of 3 (first option taken)",
    "greedy": "greedy",
}


def choice_markdown(report: dict[str, Any]) -> list[str]:
    r = report["results"]
    if not all(name in r for name in NEW_CASES):
        return []
    when = report.get("new_cases_machine", report["machine"])["date"]
    lines = [
        f"Choice rules and the stable mode (issue 17, measured {when}), 10,000 people × 50 options, "
        "70 % with three ranked wishes:",
        "",
        "| mode | seconds | expected placements | price vs optimum | top-3 share of all (optimum) | checks "
        "| met (≤ 5 s) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in CHOICE_LABELS.items():
        row = r[name]
        checks = f"{row['violations']} seat violations"
        if "rule_broken" in row:
            checks += f", {row['rule_broken']} broken rules"
        if "justified_envy_pairs" in row:
            checks += f", {row['justified_envy_pairs']} justified-envy pairs"
        lines.append(
            f"| {label} | {row['seconds']:.2f} | {row['objective']:.1f} | {row['price']:.1f} "
            f"| {row['top3_share']:.1%} ({row['free_top3_share']:.1%}) | {checks} "
            f"| {report['summary']['choice_10k_x_50'][name]['met']} |"
        )
    q = r["modes_2k_x_40"]
    lines += [
        "",
        f"Every mode on the programme round ({q['people']} people, {q['options']} options, {q['seats']} seats); "
        "top-3 share of all the people, and (in brackets) of those with wishes:",
        "",
        "| mode | expected placements | price vs optimum | top-3 share | stipend coverage | Duncan index | seconds |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in MODE_LABELS.items():
        if name not in q:
            lines.append(f"| {label} | infeasible: {q['infeasible'].get(name, '?')} | | | | | |")
            continue
        row = q[name]
        top3 = f"{row['top3_share_of_all']:.1%} ({row['top3_aspiration_share']:.1%})"
        if "top3_on_menu_share_of_all" in row:
            top3 += (
                f"; on the menu {row['top3_on_menu_share_of_all']:.1%} "
                f"(menus of {row['mean_menu_length']:.2f} options on average)"
            )
        seconds = q["seconds"].get(name)
        lines.append(
            f"| {label} | {row['expected_placements']:.1f} | {row['price']:.1f} | {top3} "
            f"| {row['stipend_coverage']:.1%} | {row['duncan_index']:.3f} "
            f"| {'' if seconds is None else f'{seconds:.2f}'} |"
        )
    lines += [
        "",
        f"The curve of expected placements against the top-3 share of all (exact points, {q['curve_seconds']:.1f} s):",
        "",
        "| asked | attained | expected placements | price |",
        "| --- | --- | --- | --- |",
    ]
    for p in q["curve"]:
        asked = "no rule" if p["required"] is None else f"{p['required']:.1%}"
        lines.append(f"| {asked} | {p['top3_share']:.1%} | {p['expected']:.1f} | {p['price']:.1f} |")
    lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES), help="run one case here and print its JSON (internal)")
    parser.add_argument(
        "--only-new",
        action="store_true",
        help="run only the cases of issue 17 (choice rules, stable, every mode) and keep the others' recorded figures",
    )
    parser.add_argument(
        "--cases",
        help="run only these cases (comma-separated names) and keep the others' recorded figures",
    )
    args = parser.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case]()))
        return
    results = {}
    names = list(CASES)
    measured_on = machine()
    if args.only_new or args.cases:  # the other cases keep their figures and the date and machine they were measured on
        recorded = json.loads((RESULTS / "matching.json").read_text())
        results, measured_on = recorded["results"], recorded["machine"]
        names = list(NEW_CASES) if args.only_new else args.cases.split(",")
        unknown = sorted(set(names) - set(CASES))
        if unknown:
            parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(sorted(CASES))}")
    for name in names:  # one after another: the cases must not compete for the cores
        print(f"{name} …", file=sys.stderr, flush=True)
        results[name] = run_case(name)
    report = {"machine": measured_on, "targets": TARGETS, "summary": summary(results), "results": results}
    report["new_cases_machine"] = machine()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "matching.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "matching.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
