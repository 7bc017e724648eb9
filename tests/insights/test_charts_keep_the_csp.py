"""The charts go inline into pages under a strict CSP (style-src 'self'): pygal's embedded style and
script are removed, and so is the one inline style attribute it writes (its hidden tooltip), which the
browser would refuse and report. app.css draws what pygal's own CSS drew (see the browser tests in
tests/browser/test_insights_in_chromium.py)."""

import re

import pytest

from reintegra.lib import charts

SERIES = [charts.Series("Malaysia", [3, None, 2]), charts.Series("Myanmar", [1, 2, None])]
LABELS = ["Q1 2026", "Q2 2026", "Q3 2026"]


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart(title="Bars", labels=LABELS, series=SERIES),
        charts.bar_chart(title="Stacked", labels=LABELS, series=SERIES, stacked=True),
        charts.bar_chart(title="Across", labels=LABELS, series=SERIES[:1], horizontal=True),
        charts.line_chart(title="Lines", labels=LABELS, series=SERIES, percent=True),
    ],
    ids=["bars", "stacked", "horizontal", "line"],
)
def test_a_chart_carries_no_inline_style_or_script(svg):
    assert re.search(r"\sstyle=", svg) is None
    assert "<style" not in svg and "<script" not in svg
    assert svg.startswith("<svg") and 'class="pygal-chart"' in svg
    # The classes app.css draws: the series' colours and the hidden tooltip.
    assert "color-0" in svg and "tooltip" in svg
