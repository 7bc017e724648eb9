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

from reintegra.matching import GroupShare, allocate, greedy, metrics, random_allocation, verify

RESULTS = Path(__file__).parent / "results"
TARGETS = {
    "flow_100k_x_100": "allocate no slower than the bare OR-Tools solve (aim: 1/4 of it), exact, peak ≤ 3 GB",
    "flow_10k_x_200": "≤ 2 s",
    "mip_10k_x_50": "≤ 20 s, objective ≥ 99.5 % of the LP bound, every constraint exact",
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


CASES = {
    "flow_100k_x_100_bare": lambda: case_flow_bare(100_000, 100, 1),
    "flow_100k_x_100_allocate": lambda: case_flow_allocate(100_000, 100, 1),
    "flow_10k_x_200": lambda: case_flow_allocate(10_000, 200, 2, repeat=3),
    "mip_10k_x_50": lambda: case_mip(10_000, 50, 3),
    "quality_2k_x_40": lambda: case_quality(2_000, 40, 4),
}


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
            "violations": len(mip["violations"]),
            "met": mip["seconds"] <= 20 and mip["objective_over_lp_bound"] >= 0.995 and not mip["violations"],
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
        f"objective / LP bound {s['mip_10k_x_50']['objective_over_lp_bound']:.4%}, "
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
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES), help="run one case here and print its JSON (internal)")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case]()))
        return
    results = {}
    for name in CASES:  # one after another: the cases must not compete for the cores
        print(f"{name} …", file=sys.stderr, flush=True)
        results[name] = run_case(name)
    report = {"machine": machine(), "targets": TARGETS, "summary": summary(results), "results": results}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "matching.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "matching.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
