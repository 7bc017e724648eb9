from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from reintegra.access import agency_list_for_user
from reintegra.accounts.models import User
from reintegra.lib import geo
from reintegra.lib.formfields import AreaField, AreasField, CurrencyField, posted, real_areas
from reintegra.lib.validators import validate_no_markup
from reintegra.network.choices import Language

from . import allocation, isco, scorecard
from .choices import EmploymentStatus, EnrolmentStatus, Interest, WorkMode
from .models import (
    FOLLOW_UP_FIELDS,
    OPTION_FIELDS,
    PLACEMENT_FIELDS,
    PROFILE_FIELDS,
    IncomeFollowUp,
    Opportunity,
    Placement,
    SkillsProfile,
    values_of,
)


class DemandForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    area = AreaField(label=_("Area"))
    isco = forms.ChoiceField(label=_("Occupation group (ISCO-08)"))
    vacancies = forms.IntegerField(label=_("Vacancies"), required=False)
    demand_index = forms.DecimalField(label=_("Demand index (0–100)"), required=False, max_digits=5, decimal_places=1)
    monthly_wage = forms.DecimalField(label=_("Typical monthly wage"), required=False, max_digits=12, decimal_places=2)
    wage_currency = CurrencyField(label=_("Currency of the wage"), required=False)
    source = forms.CharField(label=_("Source"), max_length=200)
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, countries: Sequence[str] = (), **kwargs: Any) -> None:
        """`countries`: those whose areas are offered (the network's); a figure's own area is kept."""
        super().__init__(*args, **kwargs)
        field = self.fields["isco"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = isco.sub_major_choices()
        area = self.fields["area"]
        assert isinstance(area, AreaField)  # noqa: S101
        area.set_countries(countries, keep=real_areas([str(self.initial.get("area") or ""), *posted(self, "area")]))
        if len(countries) == 1:
            wage_currency = self.fields["wage_currency"]
            assert isinstance(wage_currency, CurrencyField)  # noqa: S101
            wage_currency.set_default_country(countries[0])


def scorecard_form_for(user: User, data: Any) -> "ScorecardForm":
    """The scorecard's filters for a reader: the providers with options they may see, their countries' areas."""
    with_options = Opportunity.objects.filter(provider=OuterRef("pk"))
    agencies = agency_list_for_user(user).filter(Exists(with_options)).order_by("name")
    countries = sorted({a.country for a in agencies})
    return ScorecardForm(data, providers=[(a.slug, a.display_name) for a in agencies], countries=countries)


class ScorecardForm(forms.Form):
    """The scorecard's scope: a provider, an area, a period; `scope` once valid."""

    provider = forms.ChoiceField(label=_("Provider"), required=False)
    area = AreaField(label=_("Area of the option"), required=False)
    since = forms.DateField(label=_("Start of period"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("End of period"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, *args: Any, providers: Sequence[tuple[str, str]] = (), countries: Sequence[str] = (), **kwargs: Any
    ):
        """`providers`: (short name, name) of the agencies with options; `countries`: whose areas are offered."""
        super().__init__(*args, **kwargs)
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)  # noqa: S101
        provider.choices = [("", _("Every provider")), *providers]
        area = self.fields["area"]
        assert isinstance(area, AreaField)  # noqa: S101
        area.set_countries(countries, blank=_("Every area"))
        self.scope = scorecard.Scope()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.scope = scorecard.scope_from(
                provider=data.get("provider") or "",
                area=data.get("area") or "",
                since=data.get("since"),
                until=data.get("until"),
            )
        except scorecard.ScopeError as exc:
            self.add_error(exc.argument, str(exc))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        error_messages={"required": _("Choose a CSV file.")},
        help_text=_(
            "Columns: area, isco, vacancies, demand_index, monthly_wage, currency, source, as_of. "
            "One bad row refuses the whole file, and nothing is saved."
        ),
    )


class FilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    area = AreaField(label=_("Area"), required=False)
    isco = forms.ChoiceField(label=_("Occupation group"), required=False)

    def __init__(self, *args: Any, countries: Sequence[str] = (), **kwargs: Any) -> None:
        """`countries`: the network's, offered by name (and their areas)."""
        super().__init__(*args, **kwargs)
        field = self.fields["isco"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [("", _("Any group")), *isco.sub_major_choices()]
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)  # noqa: S101
        country.choices = [("", _("Any country")), *((c, geo.country_name(c)) for c in countries)]
        area = self.fields["area"]
        assert isinstance(area, AreaField)  # noqa: S101
        chosen = str(self.data.get("country") or "").upper()
        area.set_countries([chosen] if chosen in countries else countries, blank=_("Any area"))


EXPERIENCE_ROWS = 3
ASPIRATION_ROWS = 3
ISCO_LABEL = _("Occupation group (ISCO-08)")
CURRENCY_LABEL = _("Currency")
AREA_LABEL = _("Area")

# The profile's fields that map one to one onto form fields; experience, scores and wishes have rows.
PROFILE_SIMPLE_FIELDS = tuple(f for f in PROFILE_FIELDS if f not in ("experience", "interests", "aspirations"))


def _isco_choices(blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *isco.sub_major_choices()]


class RecordForm(forms.ModelForm):
    """A form on a group of a record's fields (models.py); the record's own rules run on it too, so
    a bad value comes back on its field. Dates get a date picker, texts two rows, an optional choice
    a blank named `blank`; a required choice has no blank."""

    blank: Any = "—"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"})
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 2
            if isinstance(field, forms.TypedChoiceField):
                choices = list(cast(Iterable[tuple[Any, Any]], field.choices))
                if choices and choices[0][0] == "":
                    field.choices = choices[1:] if field.required else [("", self.blank), *choices[1:]]


class ProfileForm(RecordForm):
    """The skills, aptitude and aspirations profile; experience and aspirations as a few ranked rows."""

    blank = _("Not recorded")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple, choices=Language.choices
    )
    work_areas = AreasField(
        label=_("Areas where they can work"),
        required=False,
        help_text=_("Tick each province or area; type to find one."),
    )
    currency = CurrencyField(label=CURRENCY_LABEL, required=False)
    field_order = ["version", *PROFILE_SIMPLE_FIELDS]

    class Meta:
        model = SkillsProfile
        fields = PROFILE_SIMPLE_FIELDS
        labels = {"assessed_on": _("Aptitude and interest assessment on"), "currency": CURRENCY_LABEL}

    def __init__(self, *args: Any, countries: Sequence[str] = (), **kwargs: Any) -> None:
        """`countries`: where the areas offered lie (the case agency's country, whose currency the
        income starts in); areas already recorded elsewhere stay offered."""
        super().__init__(*args, **kwargs)
        self.fields["aspirations_words"].widget.attrs["rows"] = 3
        areas = self.fields["work_areas"]
        assert isinstance(areas, AreasField)  # noqa: S101
        areas.set_countries(
            countries, keep=real_areas([*(self.initial.get("work_areas") or []), *posted(self, "work_areas")])
        )
        currency = self.fields["currency"]
        assert isinstance(currency, CurrencyField)  # noqa: S101
        currency.set_default_country(countries[0] if countries else "")
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
        initial: dict[str, Any] = values_of(profile, PROFILE_SIMPLE_FIELDS)
        initial["version"] = profile.version
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
    # The rule of every move's reason (lib.validators.REASON), beside the field even for a move that
    # keeps no reason (issue 12, hostile input).
    reason = forms.CharField(
        label=_("Reason (in the returnee's words)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_no_markup],
    )


class StipendForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    currency = CurrencyField(label=CURRENCY_LABEL, required=False)


class PlacementForm(RecordForm):
    """Where the option led; the employer as a name (an employer agency is chosen through the API)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    isco = forms.ChoiceField(label=ISCO_LABEL)
    currency = CurrencyField(label=CURRENCY_LABEL, required=False)

    class Meta:
        model = Placement
        fields = tuple(f for f in PLACEMENT_FIELDS if f != "employer")
        labels = {"currency": CURRENCY_LABEL}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["isco"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = isco.sub_major_choices()


class FollowUpForm(RecordForm):
    currency = CurrencyField(label=CURRENCY_LABEL, required=False)

    class Meta:
        model = IncomeFollowUp
        fields = FOLLOW_UP_FIELDS
        labels = {"currency": CURRENCY_LABEL}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Scheduled follow-ups have neither; a recorded one has both.
        for name in ("done_on", "employment"):
            self.fields[name].required = True
        employment = self.fields["employment"]
        assert isinstance(employment, forms.ChoiceField)  # noqa: S101
        employment.choices = EmploymentStatus.choices


class OpportunityForm(RecordForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    isco = forms.ChoiceField(label=ISCO_LABEL)
    placement_partners = forms.TypedMultipleChoiceField(
        label=_("Placement partners (employers)"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    area = AreaField(label=AREA_LABEL)
    currency = CurrencyField(label=CURRENCY_LABEL, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple, choices=Language.choices
    )
    field_order = [
        "version",
        *OPTION_FIELDS[: OPTION_FIELDS.index("literacy_required") + 1],
        "placement_partners",
        *OPTION_FIELDS[OPTION_FIELDS.index("literacy_required") + 1 :],
    ]

    class Meta:
        model = Opportunity
        # The provider and partners are agencies the user may choose, given as their ids.
        fields = tuple(f for f in OPTION_FIELDS if f != "provider")
        labels = {"area": AREA_LABEL, "currency": CURRENCY_LABEL}
        help_texts = {
            "gender_restriction_reason": _(
                "Required for any restriction; restrictions are listed in the programme audit."
            )
        }

    def __init__(
        self,
        *args: Any,
        providers: list[tuple[int, str]] | None = None,
        employers: list[tuple[int, str]] | None = None,
        countries: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """`countries`: those of the providers, whose areas are offered (an option's own is kept)."""
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, AreaField)  # noqa: S101
        area.set_countries(countries, keep=real_areas([str(self.initial.get("area") or ""), *posted(self, "area")]))
        if len(countries) == 1:
            currency = self.fields["currency"]
            assert isinstance(currency, CurrencyField)  # noqa: S101
            currency.set_default_country(countries[0])
        for name, choices in (
            ("provider", providers or []),
            ("placement_partners", employers or []),
            ("isco", isco.sub_major_choices()),
            ("gender_restriction", [("", _("Open to every gender")), ("female", _("women")), ("male", _("men"))]),
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
    top_k = forms.TypedChoiceField(
        label=_("Whoever is offered an option gets one of their first wishes"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("No rule")),
            (1, _("Their first wish")),
            (2, _("One of their first two wishes")),
            (3, _("One of their first three wishes")),
        ],
        help_text=_("When one of those wishes is open to them; people with none are placed as usual."),
    )
    min_top3_share = forms.IntegerField(
        label=_("At least this share of the cohort gets one of their top-3 wishes (per cent)"),
        required=False,
        min_value=0,
        max_value=100,
    )
    mode = forms.ChoiceField(
        label=_("How the offers are chosen"),
        required=False,
        choices=list(allocation.MODE_LABELS.items()),
        initial=allocation.Mode.OPTIMAL,
        widget=forms.RadioSelect,
        help_text=_("Each mode's promise, in plain words: see “How the modes work” below."),
    )
    max_wait_weeks = forms.IntegerField(
        label=_("This week's decision: the longest a person waits for a start (weeks)"),
        min_value=1,
        max_value=52,
        initial=allocation.MAX_WAIT_WEEKS,
        required=False,
        help_text=_("Counted from the day their skills profile was assessed."),
    )

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
        mode = data.get("mode")
        rules = [data.get(name) is not None for name in ("women_min", "women_max", "budget", "top_k")]
        rules += [bool(data.get(name)) for name in ("min_total", "min_top3_share")]
        if mode and mode != allocation.Mode.OPTIMAL and any(rules):
            self.add_error("mode", allocation.MODE_HOLDS_NO_RULES)
        return data


class WithdrawForm(forms.Form):
    """Withdraws one offer of a cohort allocation (`offer`), or every offer of it not yet answered."""

    offer = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Why the offer is withdrawn"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept on each person's timeline; the caseworker tells the person."),
        error_messages={"required": _("Say why the offer is withdrawn.")},
    )


class ReferralEnrolForm(forms.Form):
    """Where a person referred to a provider stands on one of its options (decisions/0018): the steps
    offered are those the workflow lets the provider reach from this referral."""

    STEP_LABELS: dict[str, Any] = {
        EnrolmentStatus.OFFERED: _("Offered a place (no answer yet)"),
        EnrolmentStatus.ACCEPTED: _("Accepted a place"),
        EnrolmentStatus.ENROLLED: _("Enrolled"),
    }

    opportunity = forms.TypedChoiceField(label=_("Option"), coerce=int)
    to = forms.ChoiceField(label=_("Where the person stands"))
    on = forms.DateField(
        label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=_("Today if empty.")
    )

    def __init__(self, *args: Any, options: list[tuple[int, str]], steps: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "enrol-%s")
        super().__init__(*args, **kwargs)
        option = self.fields["opportunity"]
        step = self.fields["to"]
        assert isinstance(option, forms.ChoiceField) and isinstance(step, forms.ChoiceField)  # noqa: S101
        option.choices = options
        step.choices = [(value, self.STEP_LABELS[value]) for value in steps]
        if steps:
            step.initial = steps[-1]
