"""Show stored vocabulary codes (HTCDS values, categories, agency types) as translated labels."""

from collections.abc import Iterable

from django import template

from reintegra.lib import labels as vocabularies

register = template.Library()


@register.filter
def labels(codes: Iterable[str] | str, vocabulary: str) -> str:
    """`{{ event.exploitation_types|labels:"exploitation" }}` → "Forced labour, Debt bondage"."""
    return vocabularies.labels(codes, vocabulary)
