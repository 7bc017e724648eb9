"""The insights' background work (`reintegra worker`): a dashboard view's figures worked out again
while readers are served the older ones (dashboards.figures_of, decisions/0041)."""

from typing import Any

from django.utils import translation
from django_tasks import task

from .dashboards import DASHBOARDS, figures_kept
from .filters import Filters


@task()
def figures_work_out(board: str, language: str, filters: dict[str, Any]) -> None:
    """Works one view out in the reader's language and keeps it: the next read is served the new figures."""
    with translation.override(language):
        figures_kept(DASHBOARDS[board], Filters.from_json(filters))
