"""Small server-drawn SVG charts: no script, so the strict CSP holds and printing works."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    points: Sequence[tuple[date, float]]  # values 0–1


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: list[dict[str, Any]]
    x_labels: list[dict[str, Any]]
    y_ticks: list[dict[str, Any]]


def line_chart(series: Sequence[Series], *, width: int = 560, height: int = 220, pad: int = 36) -> LineChart | None:
    dates = sorted({d for s in series for d, _ in s.points})
    if not dates:
        return None
    first, last = dates[0], dates[-1]
    span = max((last - first).days, 1)

    def x(d: date) -> float:
        return pad + (width - 2 * pad) * ((d - first).days / span if len(dates) > 1 else 0.5)

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v

    lines: list[dict[str, Any]] = [
        {
            "key": s.key,
            "label": s.label,
            "points": " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in s.points),
            "dots": [{"x": round(x(d), 1), "y": round(y(v), 1), "value": round(v, 2)} for d, v in s.points],
        }
        for s in series
    ]
    x_labels = [{"x": round(x(d), 1), "date": d} for d in dates]
    y_ticks: list[dict[str, Any]] = [{"y": round(y(v), 1), "value": v} for v in (0, 0.25, 0.5, 0.75, 1)]
    return LineChart(width=width, height=height, lines=lines, x_labels=x_labels, y_ticks=y_ticks)
