"""A legend at the bottom keeps every row inside the picture: pygal reserves n // 2 rows for n series,
which cut off the last row of an odd number (lib/charts.py adds the room)."""

import re

import pytest

from reintegra.lib import charts


def last_legend_bottom(svg: str) -> float:
    legends = re.search(r'translate\(([\d.]+), ([\d.]+)\)" class="legends"', svg)
    assert legends is not None
    rows = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="12" height="12"', svg)]
    return float(legends.group(2)) + max(rows) + 12


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("kind", ["bars", "across", "lines"])
def test_every_legend_row_is_inside_the_chart(kind, n):
    series = [charts.Series(f"Series {i}", [1, 2]) for i in range(n)]
    if kind == "lines":
        svg = charts.line_chart(title="Lines", labels=["a", "b"], series=series)
    else:
        svg = charts.bar_chart(
            title="Bars", labels=["a", "b"], series=series, stacked=True, horizontal=kind == "across"
        )
    height = float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg).group(1))
    assert last_legend_bottom(svg) <= height
