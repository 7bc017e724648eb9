"""Shares and chances as people read them (see reintegra/lib/proportions.py for the rounding):
`{{ share|percent }}` → "80 %", `{{ p|chance }}` → "about 7 in 10", `{{ d|duncan_words }}`."""

from django import template

from reintegra.lib import proportions

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return proportions.percent(value)


@register.filter
def chance(value: float | None) -> str:
    return proportions.in_ten(value)


@register.filter
def duncan_words(value: float | None) -> str:
    return proportions.duncan_in_words(value)
