"""Form fields that let people choose by name what is stored as a code: countries, areas and
currencies, named in the reader's language, the region's first. Long lists carry `data-filter`
(a select) or the class `choice-list` (ticks): app.js puts a type-to-filter box above them; without
the script the native select's type-ahead and a scrolling box of ticks still work."""

from collections.abc import Hashable, Iterable
from typing import Any, ClassVar

from django import forms
from django.utils.choices import CallableChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import currencies, geo

Choices = list[tuple[str, Any]]

CHECKLIST = {"class": "choice-list"}
FILTERABLE = {"data-filter": ""}


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _flat(choices: Iterable[tuple[Any, Any]]) -> set[str]:
    values: set[str] = set()
    for value, label in choices:
        if isinstance(label, list | tuple):
            values |= {str(v) for v, _label in label}
        else:
            values.add(str(value))
    return values


def posted(form: forms.BaseForm, name: str) -> list[str]:
    """The values posted for a field, before any check (to keep offering what a record holds)."""
    if not form.is_bound:
        return []
    data = form.data
    values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
    return [str(v) for v in (values if isinstance(values, list | tuple) else [values])]


def real_areas(values: Iterable[str]) -> list[str]:
    return [v.upper() for v in values if v and geo.area_get(v) is not None]


def _with_kept(groups: Choices, kept: Iterable[str], name: Any) -> Choices:
    """Groups plus a group of the values already recorded that the groups lack (an area of a
    country no longer offered), so editing a record never drops what it holds."""
    known = _flat(groups)
    missing = [(v, geo.area_name(v) if "-" in v else geo.country_name(v)) for v in kept if v and v not in known]
    return [*groups, (name, missing)] if missing else groups


class LongSelect(forms.Select):
    """A select of a long list that reads the same for everyone of one language: the world's countries
    (250) or currencies (179). A case page holds five among its forms, 1,200 options made on every view.
    So the markup is made once per language, field name, attributes and list, with no option selected,
    and the chosen one is marked in it: the first option with the value, as Django marks it
    (tests/test_formfields.py compares the two; docs/benchmarks.md, sixth pass, what it saves)."""

    _made: ClassVar[dict[Hashable, str]] = {}
    KEEP = 256  # markups kept, about 15 KB each
    _NOTHING = "\x00"  # a value no option has

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        choices = self.choices
        if not isinstance(choices, CallableChoiceIterator):
            return super().render(name, value, attrs, renderer)
        listed = tuple((v, tuple(label) if isinstance(label, list | tuple) else label) for v, label in choices.func())
        final = self.build_attrs(self.attrs, attrs)
        key = (get_language(), name, tuple(sorted((k, str(v)) for k, v in final.items())), listed, renderer)
        html = self._made.get(key)
        if html is None:
            html = str(super().render(name, self._NOTHING, attrs, renderer))
            if len(self._made) >= self.KEEP:
                self._made.clear()
            self._made[key] = html
        found = [
            (at, tag)
            for v in self.format_value(value)
            if (at := html.find(tag := f'<option value="{conditional_escape(v)}">')) >= 0
        ]
        if found:
            at, tag = min(found)
            html = f"{html[:at]}{tag[:-1]} selected>{html[at + len(tag) :]}"
        return mark_safe(html)  # noqa: S308 - Django's own markup, made above


class CountryField(forms.ChoiceField):
    """One country, chosen by name: the region's first."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", LongSelect(attrs=FILTERABLE))
        super().__init__(choices=self._choices, **kwargs)

    def _choices(self) -> Choices:
        return [("", "—"), *geo.country_groups()] if not self.required else geo.country_groups()

    def to_python(self, value: Any) -> str:
        return str(super().to_python(_upper(value)))


class CountriesField(forms.MultipleChoiceField):
    """Several countries (a citizenship, a second one) as ticks in a box with a filter, the region's
    first; never a list to Ctrl-click."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple(attrs=CHECKLIST))
        super().__init__(choices=geo.country_groups, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [str(_upper(v)) for v in super().to_python(value)]


class AreaField(forms.ChoiceField):
    """One area (ISO 3166-2) chosen by name, grouped by region, among the areas of some countries."""

    def __init__(self, *, countries: Iterable[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Select(attrs=FILTERABLE))
        super().__init__(**kwargs)
        self.set_countries(countries)

    def set_countries(self, countries: Iterable[str], *, keep: Iterable[str] = (), blank: Any = "—") -> None:
        """Offers the areas of `countries`, and those in `keep` (a record's own); an optional field
        starts with `blank`."""
        groups: Choices = geo.area_groups(list(countries))
        groups = _with_kept(groups, [_upper(k) for k in keep], _("Other areas"))
        self.choices = groups if self.required else [("", blank), *groups]

    def to_python(self, value: Any) -> str:
        return str(super().to_python(_upper(value)))


class AreasField(forms.MultipleChoiceField):
    """Several areas as ticks grouped by region, with a filter; `regions` lets a whole region be
    chosen."""

    def __init__(self, *, countries: Iterable[str] = (), regions: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple(attrs=CHECKLIST))
        super().__init__(**kwargs)
        self.regions = regions
        self.set_countries(countries)

    def set_countries(self, countries: Iterable[str], *, keep: Iterable[str] = ()) -> None:
        groups: Choices = geo.area_groups(list(countries), regions=self.regions)
        self.choices = _with_kept(groups, [str(_upper(k)) for k in keep], _("Other areas"))

    def to_python(self, value: Any) -> list[str]:
        return [str(_upper(v)) for v in super().to_python(value)]


class CurrencyField(forms.ChoiceField):
    """A currency chosen from a list, the region's first; `default_country` sets the initial one."""

    def __init__(self, *, default_country: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", LongSelect(attrs=FILTERABLE))
        super().__init__(choices=self._choices, **kwargs)
        self.set_default_country(default_country)

    def _choices(self) -> Choices:
        groups: Choices = currencies.currency_groups()
        return groups if self.required else [("", "—"), *groups]

    def set_default_country(self, country: str) -> None:
        if country and currencies.currency_of(country):
            self.initial = currencies.currency_of(country)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(_upper(value)))


def with_currency_of(form: forms.BaseForm, country: str) -> forms.BaseForm:
    """The form, its currency fields starting at the currency of `country` (an agency's)."""
    for field in form.fields.values():
        if isinstance(field, CurrencyField):
            field.set_default_country(country)
    return form


def page_form(form_class: Any, name: str) -> Any:
    """A maker of `form_class` whose ids start with `name` (several forms of one page share field
    names; an error's link in the summary must lead to its own field)."""

    def make(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("auto_id", f"{name}-%s")
        return form_class(*args, **kwargs)

    return make
