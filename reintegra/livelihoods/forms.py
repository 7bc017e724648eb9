from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reintegra.cases.choices import Education
from reintegra.network.choices import Language

from . import isco
from .choices import (
    BusinessFinance,
    BusinessStatus,
    CareDuty,
    ContractType,
    DebtPressure,
    EmploymentStatus,
    EnrolmentStatus,
    Interest,
    Literacy,
    Numeracy,
    PlacementKind,
    WorkMode,
)
from .models import OpportunityKind, SelfEmploymentSupport
from .skills import PROFILE_FIELDS


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


EXPERIENCE_ROWS = 3
ASPIRATION_ROWS = 3


def _isco_choices(blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *isco.sub_major_choices()]


class ProfileForm(forms.Form):
    """The skills, aptitude and aspirations profile; experience and aspirations as a few ranked rows."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    education = forms.ChoiceField(label=_("Education (ISCED)"), required=False)
    literacy = forms.ChoiceField(label=_("Reading and writing"), required=False)
    numeracy = forms.ChoiceField(label=_("Numbers"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple, choices=Language.choices
    )
    certificates = forms.CharField(label=_("Certificates"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    assessed_on = forms.DateField(
        label=_("Aptitude and interest assessment on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    aptitude_notes = forms.CharField(
        label=_("Aptitude assessment results"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    aspirations_words = forms.CharField(
        label=_("Aspirations in their own words"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    work_areas = forms.CharField(
        label=_("Areas where they can work (ISO 3166-2, separated by commas)"), required=False, max_length=200
    )
    can_travel = forms.BooleanField(label=_("Can travel or move for work"), required=False)
    care_duties = forms.ChoiceField(label=_("Care duties"), required=False)
    health_limits = forms.CharField(
        label=_("Health limits for work"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs_income_now = forms.BooleanField(label=_("Needs an income now"), required=False)
    income_needed_monthly = forms.DecimalField(
        label=_("Income needed per month"), required=False, max_digits=12, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency (ISO 4217)"), required=False, max_length=3)
    debt_pressure = forms.ChoiceField(label=_("Debt repayment"), required=False)
    family_takes_part = forms.BooleanField(label=_("Family members should take part"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank = ("", _("Not recorded"))
        for name, choices in (
            ("education", Education.choices),
            ("literacy", Literacy.choices),
            ("numeracy", Numeracy.choices),
            ("care_duties", CareDuty.choices),
            ("debt_pressure", DebtPressure.choices),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = [blank, *choices]
        for value, label in Interest.choices:
            self.fields[f"interest_{value}"] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=100, help_text=_("score 0–100")
            )
        for row in range(1, EXPERIENCE_ROWS + 1):
            self.fields[f"experience_{row}_isco"] = forms.ChoiceField(
                label=_("Work experience %(n)s") % {"n": row}, required=False, choices=_isco_choices(_("None"))
            )
            self.fields[f"experience_{row}_years"] = forms.DecimalField(
                label=_("Years"), required=False, min_value=0, max_value=60, max_digits=4, decimal_places=1
            )
            self.fields[f"experience_{row}_abroad"] = forms.BooleanField(label=_("Abroad"), required=False)
        for rank in range(1, ASPIRATION_ROWS + 1):
            self.fields[f"aspiration_{rank}_isco"] = forms.ChoiceField(
                label=_("Wish %(n)s") % {"n": rank}, required=False, choices=_isco_choices(_("None"))
            )
            self.fields[f"aspiration_{rank}_mode"] = forms.ChoiceField(
                label=_("As"), required=False, choices=[("", "—"), *WorkMode.choices]
            )

    @staticmethod
    def initial_from(profile: Any) -> dict[str, Any]:
        if profile is None:
            return {}
        initial: dict[str, Any] = {name: getattr(profile, name) for name in PROFILE_SIMPLE_FIELDS}
        initial["version"] = profile.version
        initial["work_areas"] = ", ".join(profile.work_areas)
        for key, score in profile.interests.items():
            initial[f"interest_{key}"] = score
        for row, entry in enumerate(profile.experience[:EXPERIENCE_ROWS], start=1):
            initial |= {
                f"experience_{row}_isco": entry["isco"],
                f"experience_{row}_years": entry["years"],
                f"experience_{row}_abroad": entry.get("abroad", False),
            }
        for rank, wish in enumerate(profile.aspirations[:ASPIRATION_ROWS], start=1):
            initial |= {f"aspiration_{rank}_isco": wish["isco"], f"aspiration_{rank}_mode": wish["mode"]}
        return initial

    @staticmethod
    def values_of(data: dict[str, Any]) -> dict[str, Any]:
        """Cleaned data in the shape of the profile service."""
        values = {name: data[name] for name in PROFILE_SIMPLE_FIELDS}
        values["work_areas"] = [a.strip().upper() for a in (data["work_areas"] or "").split(",") if a.strip()]
        values["interests"] = {
            key: data[f"interest_{key}"] for key in Interest.values if data.get(f"interest_{key}") is not None
        }
        values["experience"] = [
            {
                "isco": data[f"experience_{row}_isco"],
                "years": float(data[f"experience_{row}_years"] or 0),
                "abroad": data[f"experience_{row}_abroad"],
            }
            for row in range(1, EXPERIENCE_ROWS + 1)
            if data[f"experience_{row}_isco"]
        ]
        values["aspirations"] = [
            {"isco": data[f"aspiration_{rank}_isco"], "mode": data[f"aspiration_{rank}_mode"] or "wage_job"}
            for rank in range(1, ASPIRATION_ROWS + 1)
            if data[f"aspiration_{rank}_isco"]
        ]
        return values


# The profile's fields that map one to one onto form fields; the lists and scores have rows of their own.
PROFILE_SIMPLE_FIELDS = tuple(
    f for f in PROFILE_FIELDS if f not in ("experience", "interests", "aspirations", "work_areas")
)


class RecommendForm(forms.Form):
    opportunity = forms.TypedChoiceField(label=_("Option"), coerce=int)
    asked_by_returnee = forms.BooleanField(
        label=_("The returnee asked for it"),
        required=False,
        help_text=_("Needed to put forward again an option the returnee declined before."),
    )

    def __init__(self, *args: Any, options: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["opportunity"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = options or []


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to = forms.ChoiceField(label=_("New status"), choices=EnrolmentStatus.choices)
    on = forms.DateField(label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Reason (in the returnee's words)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StipendForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, required=False)


class PlacementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=PlacementKind.choices)
    employer_name = forms.CharField(label=_("Employer or business name"), required=False, max_length=200)
    isco = forms.ChoiceField(label=_("Occupation group (ISCO-08)"))
    started_on = forms.DateField(label=_("Started on"), widget=forms.DateInput(attrs={"type": "date"}))
    contract = forms.ChoiceField(label=_("Contract"), required=False, choices=[("", "—"), *ContractType.choices])
    monthly_income = forms.DecimalField(label=_("Monthly income"), required=False, max_digits=12, decimal_places=2)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), required=False, max_length=3)
    business_type = forms.CharField(label=_("Type of business"), required=False, max_length=200)
    finance = forms.ChoiceField(label=_("Financed by"), required=False, choices=[("", "—"), *BusinessFinance.choices])
    finance_amount = forms.DecimalField(
        label=_("Grant or loan amount"), required=False, max_digits=12, decimal_places=2
    )
    business_status = forms.ChoiceField(
        label=_("Business status"), required=False, choices=[("", "—"), *BusinessStatus.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["isco"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = isco.sub_major_choices()


class FollowUpForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=forms.DateInput(attrs={"type": "date"}))
    employment = forms.ChoiceField(label=_("Work"), choices=EmploymentStatus.choices)
    monthly_income = forms.DecimalField(label=_("Monthly income"), required=False, max_digits=12, decimal_places=2)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), required=False, max_length=3)
    business_operating = forms.NullBooleanField(label=_("Business still operating"), required=False)
    debt_outstanding = forms.DecimalField(label=_("Debt outstanding"), required=False, max_digits=12, decimal_places=2)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OpportunityForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=OpportunityKind.choices)
    support = forms.ChoiceField(
        label=_("Self-employment support"), required=False, choices=[("", "—"), *SelfEmploymentSupport.choices]
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    isco = forms.ChoiceField(label=_("Occupation group (ISCO-08)"))
    area = forms.CharField(label=_("Area (ISO 3166-2, e.g. TH-57, PH-CEB)"), max_length=8)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    duration_weeks = forms.IntegerField(label=_("Duration (weeks)"), required=False)
    seats = forms.IntegerField(label=_("Seats"), required=False)
    stipend_monthly = forms.DecimalField(label=_("Stipend per month"), required=False, max_digits=12, decimal_places=2)
    wage_monthly = forms.DecimalField(label=_("Wage per month"), required=False, max_digits=12, decimal_places=2)
    cost = forms.DecimalField(label=_("Cost per person"), required=False, max_digits=12, decimal_places=2)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), required=False, max_length=3)
    min_age = forms.IntegerField(label=_("Minimum age"), required=False)
    max_age = forms.IntegerField(label=_("Maximum age"), required=False)
    min_education = forms.ChoiceField(
        label=_("Minimum education"), required=False, choices=[("", "—"), *Education.choices]
    )
    literacy_required = forms.BooleanField(label=_("Reading and writing required"), required=False)
    placement_partners = forms.TypedMultipleChoiceField(
        label=_("Placement partners (employers)"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    pathway = forms.CharField(label=_("The job pathway it leads to"), required=False, max_length=300)
    certification = forms.CharField(label=_("Certification"), required=False, max_length=200)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple, choices=Language.choices
    )
    gender_restriction = forms.ChoiceField(
        label=_("Restricted to gender"),
        required=False,
        choices=[("", _("Open to every gender")), ("female", _("women")), ("male", _("men"))],
    )
    gender_restriction_reason = forms.CharField(
        label=_("Justification of the restriction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for any restriction; restrictions are listed in the programme audit."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        providers: list[tuple[int, str]] | None = None,
        employers: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("provider", providers or []),
            ("placement_partners", employers or []),
            ("isco", isco.sub_major_choices()),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = choices


class AllocationForm(forms.Form):
    """A programme round: who, which options, and the constraints."""

    people = forms.TypedMultipleChoiceField(label=_("Returnees"), coerce=int, widget=forms.CheckboxSelectMultiple)
    options = forms.TypedMultipleChoiceField(label=_("Options"), coerce=int, widget=forms.CheckboxSelectMultiple)
    women_min = forms.IntegerField(
        label=_("Women: at least this share of each option (per cent)"), required=False, min_value=0, max_value=100
    )
    women_max = forms.IntegerField(
        label=_("Women: at most this share of each option (per cent)"), required=False, min_value=0, max_value=100
    )
    min_assigned = forms.IntegerField(
        label=_("Apply the share to options with at least this many people"), min_value=1, initial=5
    )
    budget = forms.DecimalField(
        label=_("Budget for stipends and costs"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    min_total = forms.IntegerField(label=_("Give an option to at least this many people"), required=False, min_value=0)

    def __init__(
        self, *args: Any, people: list[tuple[int, str]], options: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (("people", people), ("options", options)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("women_min"), data.get("women_max")
        if low is not None and high is not None and low > high:
            self.add_error("women_max", _("The upper bound is below the lower bound."))
        return data
