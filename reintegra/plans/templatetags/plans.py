from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

PROGRESS = {
    "done": _("done"),
    "in_progress": _("in progress"),
    "waiting": _("waiting for an answer"),
    "stopped": _("stopped"),
    "overdue": _("overdue"),
    "planned": _("planned"),
}


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def progress_label(progress: str) -> str:
    return str(PROGRESS.get(progress, progress))
