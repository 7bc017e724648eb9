from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reintegra.lib import geo
from reintegra.lib.collation import sort_key
from reintegra.lib.formfields import AreasField, CountryField, CurrencyField

from .choices import AgencyType, GenderRestriction, Language, ServiceCategory, Stage
from .models import AGENCY_FIELDS, SERVICE_FIELDS, Agency, Service


def set_choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 (a programming error, not input)
    field.choices = choices


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def agency_groups(agencies: Iterable[Agency], *, first_country: str = "") -> list[tuple[str, list[tuple[int, str]]]]:
    """Agencies to choose from by name, in the reader's language and in its alphabetical order,
    grouped by country (`first_country` first, then by name) and type."""
    types = dict(AgencyType.choices)
    grouped: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for agency in agencies:
        grouped.setdefault((agency.country, agency.type), []).append((agency.pk, agency.display_name))

    def order(key: tuple[str, str]) -> tuple[bool, str, str]:
        country, kind = key
        return (country != first_country, sort_key(geo.country_name(country)), sort_key(str(types.get(kind, kind))))

    return [
        (
            f"{geo.country_name(country)} · {types.get(kind, kind)}",
            sorted(grouped[(country, kind)], key=lambda o: sort_key(o[1])),
        )
        for country, kind in sorted(grouped, key=order)
    ]


def group_agencies(form: forms.BaseForm, *, first_country: str = "") -> None:
    """Every field of the form that chooses agencies offers them by name, grouped (`agency_groups`)."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.queryset is not None and field.queryset.model is Agency:
            groups: list[tuple[Any, Any]] = list(agency_groups(field.queryset, first_country=first_country))
            field.choices = groups if isinstance(field, forms.ModelMultipleChoiceField) else [("", "—"), *groups]


class ServiceSelect(forms.Select):
    """A select of services grouped by agency whose options name their agency (`data-agency`), so
    that app.js can show only the services of the agency chosen in the field `data-filter-by` names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency_of: dict[str, int] = {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        agency = self.agency_of.get(str(value))
        if agency is not None:
            option["attrs"]["data-agency"] = str(agency)
        return option


def service_groups(services: Iterable[Service], widget: ServiceSelect) -> list[tuple[str, Any]]:
    """The services grouped by their agency (named in the reader's language, A to Z); the widget
    learns each service's agency."""
    grouped: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for service in services:
        label = (
            service.name_local
            if service.name_local and service.agency.display_name == service.agency.name_local
            else service.name
        )
        grouped.setdefault(service.agency_id, (service.agency.display_name, []))[1].append((service.pk, label))
        widget.agency_of[str(service.pk)] = service.agency_id
    return [
        (name, sorted(options, key=lambda o: sort_key(o[1])))
        for name, options in sorted(grouped.values(), key=lambda g: sort_key(g[0]))
    ]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    country = forms.ChoiceField(label=_("Country"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=_blank(_("Any stage")) + Stage.choices)
    category = forms.ChoiceField(
        label=_("Service category"), required=False, choices=_blank(_("Any category")) + ServiceCategory.choices
    )
    agency_type = forms.ChoiceField(
        label=_("Agency type"), required=False, choices=_blank(_("Any type")) + AgencyType.choices
    )

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["country"], _blank(_("Any country")) + [(c, geo.country_name(c)) for c in countries])
        country = (self.data.get("country") or "").upper()
        area_choices = geo.area_choices(country) if country and geo.is_country(country) else []
        set_choices(self.fields["area"], _blank(_("Any area")) + area_choices)


class _NetworkRecordForm(forms.ModelForm):
    """Agencies and services: edited against a version, working in some of the network's languages."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


# The areas served are rows of their own, not fields of Agency; the form shows them after "nationwide".
_AREAS_AT = AGENCY_FIELDS.index("nationwide") + 1


class AgencyForm(_NetworkRecordForm):
    """An agency. Its short name (in its address, and how other systems name it) is made from its
    name when it is added, and never changes: nobody is asked for it."""

    areas = AreasField(
        label=_("Areas served"),
        required=False,
        regions=True,
        help_text=_(
            "Tick the provinces or regions it serves (type to find one). Leave them all empty and tick “serves the "
            "whole country” for a national agency."
        ),
    )
    country = CountryField(label=_("Country"))
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Agency
        fields = [f for f in (*AGENCY_FIELDS[:_AREAS_AT], "areas", *AGENCY_FIELDS[_AREAS_AT:]) if f != "slug"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, may_rename: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not may_rename:
            # Only coordinators rename an agency (network.services.agency_update); others see the names.
            for name in ("name", "name_local"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only a network coordinator can rename an agency.")
        country_field = self.fields["country"]
        # Choosing a country brings its areas (htmx; without it, saving shows them, keeping the rest).
        country_field.widget.attrs |= {
            "hx-get": reverse("network:area_options") + "?field=areas",
            "hx-target": f"#{str(self.auto_id) % 'areas'}",
            "hx-swap": "outerHTML",
            "hx-trigger": "change",
        }
        country = str((self.data.get("country") if self.is_bound else self.instance.country) or "").upper()
        kept = list(self.instance.areas.values_list("code", flat=True)) if self.instance.pk else []
        areas = self.fields["areas"]
        assert isinstance(areas, AreasField)  # noqa: S101
        areas.set_countries(
            [country] if geo.is_country(country) else [], keep=[a for a in kept if a.startswith(country)]
        )
        if self.instance.pk:
            areas.initial = kept


class ServiceForm(_NetworkRecordForm):
    cost_currency = CurrencyField(label=_("Currency of the cost"), required=False)

    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "gender_restriction_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, country: str = "", **kwargs: Any) -> None:
        """`country`: the agency's, whose currency the cost starts in."""
        super().__init__(*args, **kwargs)
        currency = self.fields["cost_currency"]
        assert isinstance(currency, CurrencyField)  # noqa: S101
        currency.set_default_country(country)
        self.fields["gender_restriction"] = forms.ChoiceField(
            label=_("Restricted to gender"),
            required=False,
            choices=[
                ("", _("Open to every gender")),
                (GenderRestriction.FEMALE, _("Women only")),
                (GenderRestriction.MALE, _("Men only")),
            ],
        )


class CoverageForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"))
    dimension = forms.ChoiceField(
        label=_("Columns"),
        required=False,
        choices=[("stage", _("Stages")), ("category", _("Service categories"))],
    )
    stage = forms.ChoiceField(label=_("Within stage"), required=False, choices=_blank(_("All stages")) + Stage.choices)

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["country"], [(c, geo.country_name(c)) for c in countries])
