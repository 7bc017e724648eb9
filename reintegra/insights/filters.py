"""The filters every dashboard shares: period, country and area of origin, agency, gender, age group.

A filter set on a *category* (country, area, agency, gender, age group) is not applied in SQL: it
becomes a dimension of the counted cube, and the page shows the slice at the chosen value. So the
suppression sees every value of the filter at once, and flipping a filter cannot give back a cell
that another value hides (lib/suppression.py). The period is applied in SQL on the date each
dashboard counts by.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext_lazy as _

from reintegra.access import InsightsScope
from reintegra.cases.choices import Gender
from reintegra.lib import geo
from reintegra.lib.formfields import FILTERABLE
from reintegra.network.models import Agency

# Age at intake, in the bands the statistics of the field use (CTDC's ageBroad, coarser).
AGE_GROUPS: list[tuple[str, Any, int | None, int | None]] = [
    ("0-17", _("under 18"), 0, 17),
    ("18-24", _("18 to 24"), 18, 24),
    ("25-34", _("25 to 34"), 25, 34),
    ("35-49", _("35 to 49"), 35, 49),
    ("50+", _("50 and over"), 50, None),
]
UNKNOWN = "unknown"
AGE_LABELS: dict[str, Any] = {key: label for key, label, _lo, _hi in AGE_GROUPS} | {UNKNOWN: _("age not known")}

# The categorical filters, in the order of the form.
CATEGORIES = ("country", "area", "agency", "gender", "age")


class FilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # Long lists: app.js puts a type-to-filter box above them (data-filter).
    country = forms.ChoiceField(label=_("Country of origin"), required=False, widget=forms.Select(attrs=FILTERABLE))
    area = forms.ChoiceField(label=_("Area of origin"), required=False, widget=forms.Select(attrs=FILTERABLE))
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", _("All"))] + Gender.choices)
    age = forms.ChoiceField(
        label=_("Age group"),
        required=False,
        choices=[("", _("All"))]
        + [(key, label) for key, label, _lo, _hi in AGE_GROUPS]
        + [(UNKNOWN, AGE_LABELS[UNKNOWN])],
    )

    def __init__(self, *args: Any, scope: InsightsScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields  # ChoiceFields: typed as Field
        agencies = Agency.objects.all() if scope.whole_network else Agency.objects.filter(pk=scope.agency_id or 0)
        agency_rows = list(agencies.order_by("country", "name").values_list("slug", "name", "country"))
        countries = sorted({c for _s, _n, c in agency_rows} | set(geo.REGION[:2]))
        fields["country"].choices = (
            [("", _("All"))]
            + [(c, geo.country_name(c)) for c in geo.REGION]
            + sorted(
                ((c, geo.country_name(c)) for c, _n in geo.country_choices() if c not in geo.REGION), key=lambda c: c[1]
            )
        )
        fields["area"].choices = [("", _("All"))] + [
            (geo.country_name(country), [(code, name) for code, name in geo.area_choices(country)])
            for country in countries
        ]
        if scope.whole_network:
            fields["agency"].choices = [("", _("All"))] + [(slug, name) for slug, name, _c in agency_rows]
            self.fields["agency"].widget.attrs.update(FILTERABLE)
        else:
            fields["agency"].choices = [(slug, name) for slug, name, _c in agency_rows]
            self.fields["agency"].disabled = True
            self.fields["agency"].help_text = _("Your agency's figures.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return data


@dataclass(frozen=True)
class Filters:
    since: datetime.date | None = None
    until: datetime.date | None = None
    chosen: dict[str, str] = field(default_factory=dict)  # category → value (only those set)
    agency_id: int | None = None  # a supervisor's own agency: applied in SQL, not a dimension

    def period(self, date_path: str) -> Q:
        q = Q()
        if self.since:
            q &= Q(**{f"{date_path}__gte": self.since})
        if self.until:
            q &= Q(**{f"{date_path}__lte": self.until})
        return q

    def scope(self, case_path: str) -> Q:
        """The cases the reader's aggregates may count (a supervisor's agency)."""
        return Q(**{f"{case_path}agency_id": self.agency_id}) if self.agency_id is not None else Q()

    def as_json(self) -> dict[str, Any]:
        """The filters as background work receives them (insights/tasks.py)."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "chosen": dict(self.chosen),
            "agency_id": self.agency_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Filters":
        day = datetime.date.fromisoformat
        return cls(
            since=day(data["since"]) if data["since"] else None,
            until=day(data["until"]) if data["until"] else None,
            chosen=dict(data["chosen"]),
            agency_id=data["agency_id"],
        )

    def query_string(self) -> dict[str, str]:
        params = dict(self.chosen)
        if self.since:
            params["since"] = self.since.isoformat()
        if self.until:
            params["until"] = self.until.isoformat()
        return params


def filters_from(form: FilterForm, scope: InsightsScope) -> Filters:
    data = form.cleaned_data
    chosen = {name: data[name] for name in CATEGORIES if data.get(name) and name != "agency"}
    if scope.whole_network and data.get("agency"):
        chosen["agency"] = data["agency"]
    return Filters(since=data.get("since"), until=data.get("until"), chosen=chosen, agency_id=scope.agency_id)


def category_expression(name: str, case_path: str) -> Combinable:
    """The value of a categorical filter for a row, as SQL, through the path to its case."""
    returnee = f"{case_path}returnee__"
    if name == "country":
        return KeyTextTransform("0", f"{returnee}citizenships")
    if name == "area":
        return F(f"{returnee}home_area")
    if name == "agency":
        return F(f"{case_path}agency__slug")
    if name == "gender":
        return F(f"{returnee}gender")
    if name == "age":
        age = f"{returnee}age_at_intake"
        whens = [
            When(**{f"{age}__gte": lo, **({f"{age}__lte": hi} if hi is not None else {})}, then=Value(key))
            for key, _label, lo, hi in AGE_GROUPS
        ]
        return Case(*whens, default=Value(UNKNOWN), output_field=CharField())
    raise ValueError(f"No filter named {name!r}.")
