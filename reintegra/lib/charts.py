"""Charts drawn on the server as SVG by pygal, with every label kept as text (decisions/0026).

The SVG goes inline into the page: text stays selectable, is read by screen readers, is drawn in the
page's own fonts (Thai included, decisions/0006) and prints sharp. The strict CSP holds: the style
and script pygal would embed are removed, and `app.css` styles its classes (`.pygal-chart`,
`.color-N`, `.axis`, `.guides`). Values that are missing or suppressed are given as None and drawn as
gaps, never as zero.
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from django.utils.safestring import SafeString, mark_safe

Value = float | int | None


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Value]


LEGEND_COLUMNS, LONG_LEGEND, MARGIN = 2, 24, 12

# What every chart shares: no script, no embedded style, a readable size, the legend below.
_BASE = {
    "js": [],
    "css": [],
    "no_prefix": True,
    "disable_xml_declaration": True,
    "explicit_size": False,
    "legend_at_bottom": True,
    "truncate_legend": -1,
    "truncate_label": -1,
    "print_values": False,
    "show_y_guides": True,
    "margin": MARGIN,
    "spacing": 8,
    "x_label_rotation": 0,
    "no_data_text": "",
    # The sizes pygal lays the chart out for; app.css draws the text at these sizes (its own CSS is gone).
    "style": pygal.style.Style(
        label_font_size=12, major_label_font_size=12, legend_font_size=13, title_font_size=15, value_font_size=12
    ),
}


def _render(chart: Any, *, title: str) -> SafeString:
    tree: Any = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            # Comments (a function as tag in ElementTree), the embedded <style> and <script> go.
            if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1] in ("style", "script"):
                parent.remove(child)
        # An inline style attribute (pygal's hidden tooltip) would break the CSP: app.css hides it.
        parent.attrib.pop("style", None)
    tree.set("role", "img")
    tree.set("aria-label", title)
    tree.attrib.pop("id", None)
    # ElementTree escapes every text and attribute value it writes: labels cannot inject markup.
    return mark_safe(ET.tostring(tree, encoding="unicode", short_empty_elements=True))  # noqa: S308


def _chart(kind: Any, *, title: str, width: int, height: int, **config: object) -> Any:
    return kind(width=width, height=height, title=title, **_BASE, **config)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    horizontal: bool = False,
    stacked: bool = False,
    percent: bool = False,
    width: int = 640,
    height: int = 320,
) -> SafeString:
    """Bars per label, one colour per series; horizontal bars suit long labels (countries, sectors)."""
    kinds: dict[tuple[bool, bool], Any] = {
        (False, False): pygal.Bar,
        (True, False): pygal.HorizontalBar,
        (False, True): pygal.StackedBar,
        (True, True): pygal.HorizontalStackedBar,
    }
    config: dict[str, object] = {"show_legend": len(series) > 1}
    config |= _legend(series)
    if percent:
        config.update(range=(0, 1), value_formatter=_percent)
    if horizontal:
        height = max(height, 60 + 28 * len(labels) + 24 * ((len(series) + 1) // 2 if len(series) > 1 else 0))
    chart = _chart(kinds[(horizontal, stacked)], title=title, width=width, height=height, **config)
    chart.x_labels = list(labels)
    for s in series:
        chart.add(s.label, list(s.values))
    return _render(chart, title=title)


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    percent: bool = False,
    range_: tuple[float, float] | None = None,
    width: int = 640,
    height: int = 300,
) -> SafeString:
    """Lines over ordered labels (months, follow-up points); a gap where a value is missing."""
    config: dict[str, object] = {
        "show_legend": len(series) > 1,
        "allow_interruptions": True,
        "show_minor_x_labels": len(labels) <= 12,
        "x_labels_major_every": max(1, len(labels) // 6),
    }
    config |= _legend(series)
    if percent:
        config.update(range=(0, 1), value_formatter=_percent)
    elif range_:
        config.update(range=range_)
    chart = _chart(pygal.Line, title=title, width=width, height=height, **config)
    chart.x_labels = list(labels)
    for s in series:
        chart.add(s.label, list(s.values))
    return _render(chart, title=title)


def _legend(series: Sequence[Series]) -> dict[str, object]:
    """The legend below the chart: two columns, or one when a label is long (Thai labels ran past the
    edge). pygal reserves n // columns rows, so the last row of an odd number of series fell outside
    the picture: a row's room (its 13 px × 1.5) is added below."""
    columns = 1 if any(len(s.label) > LONG_LEGEND for s in series) else LEGEND_COLUMNS
    config: dict[str, object] = {"legend_at_bottom_columns": columns}
    if len(series) > 1 and len(series) % columns:
        config["margin_bottom"] = MARGIN + 20
    return config


def _percent(value: float) -> str:
    return f"{value:.0%}"


def xy_chart(
    *,
    title: str,
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    x_title: str = "",
    y_title: str = "",
    x_percent: bool = False,
    width: int = 640,
    height: int = 320,
) -> SafeString:
    """Points joined by lines on two numeric axes (a trade-off curve): each series' values are (x, y)
    pairs in the order drawn; `x_percent` reads the x axis as shares."""
    config: dict[str, object] = {
        "show_legend": len(series) > 1,
        "dots_size": 4,
        "x_title": x_title,
        "y_title": y_title,
    }
    config |= _legend([Series(label, []) for label, _values in series])
    if x_percent:
        config["x_value_formatter"] = _percent
    chart = _chart(pygal.XY, title=title, width=width, height=height, **config)
    for label, values in series:
        chart.add(label, list(values))
    return _render(chart, title=title)
