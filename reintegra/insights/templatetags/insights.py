"""Where the insights are found: `{% if user|reads_insights %}` shows their link (the menu, the home
page) to the roles that read them, as `access.reads_insights` decides, and to no one else."""

from typing import Any

from django import template

from reintegra.access import reads_insights as _reads_insights

register = template.Library()


@register.filter
def reads_insights(user: Any) -> bool:
    return _reads_insights(user)
