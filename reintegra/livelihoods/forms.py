from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import isco


class DemandForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    area = forms.CharField(label=_("Area (ISO 3166-2, e.g. TH-57, PH-CEB)"), max_length=8)
    isco = forms.ChoiceField(label=_("Occupation group (ISCO-08)"))
    vacancies = forms.IntegerField(label=_("Vacancies"), required=False)
    demand_index = forms.DecimalField(label=_("Demand index (0–100)"), required=False, max_digits=5, decimal_places=1)
    monthly_wage = forms.DecimalField(label=_("Typical monthly wage"), required=False, max_digits=12, decimal_places=2)
    wage_currency = forms.CharField(label=_("Currency (ISO 4217)"), required=False, max_length=3)
    source = forms.CharField(label=_("Source"), max_length=200)
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["isco"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = isco.sub_major_choices()


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: area, isco, vacancies, demand_index, monthly_wage, currency, source, as_of. "
            "One bad row refuses the whole file, and nothing is saved."
        ),
    )


class FilterForm(forms.Form):
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    area = forms.CharField(label=_("Area"), required=False, max_length=8)
    isco = forms.ChoiceField(label=_("Occupation group"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["isco"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [("", _("Any group")), *isco.sub_major_choices()]
