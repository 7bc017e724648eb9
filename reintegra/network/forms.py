from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reintegra.lib import geo

from .choices import AgencyType, GenderRestriction, Language, ServiceCategory, Stage
from .models import AGENCY_FIELDS, SERVICE_FIELDS, Agency, Service


def set_choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 (a programming error, not input)
    field.choices = choices


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


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
    areas = forms.MultipleChoiceField(
        label=_("Areas served"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "Provinces, regions or states. Leave empty and tick “serves the whole country” for a national agency."
        ),
    )
    country = forms.ChoiceField(label=_("Country"))
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Agency
        fields = [*AGENCY_FIELDS[:_AREAS_AT], "areas", *AGENCY_FIELDS[_AREAS_AT:]]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["country"], _blank("—") + geo.country_choices())
        country = (self.data.get("country") if self.is_bound else self.instance.country) or ""
        set_choices(self.fields["areas"], geo.area_choices(country.upper()) if geo.is_country(country.upper()) else [])
        if self.instance.pk:
            self.fields["areas"].initial = list(self.instance.areas.values_list("code", flat=True))
            self.fields["slug"].disabled = True  # other systems and commands refer to agencies by it


class ServiceForm(_NetworkRecordForm):
    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "gender_restriction_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
