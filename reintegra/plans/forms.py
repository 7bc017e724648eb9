from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reintegra.lib.formfields import FILTERABLE
from reintegra.lib.validators import MAX_AMOUNT, FiniteRange, validate_no_markup, validate_not_future
from reintegra.network.models import Agency

from .choices import ActionKind, ContactMethod, Domain, Priority
from .models import PLAN_DETAILS, Plan
from .scoring import INDICATORS, LEVELS
from .workflows import PLAN

DATE = forms.DateInput(attrs={"type": "date"})
RANKS = 6  # a ranking lists up to six priorities, most important first


class PriorityForm(forms.Form):
    context = forms.ChoiceField(label=_("When"), choices=[("intake", _("Intake")), ("review", _("Review"))])
    overall = forms.CharField(
        label=_("In the returnee's own words: what matters most now?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        # The model's rule again, so that the message stands beside this field (issue 12).
        validators=[validate_no_markup],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for rank in range(1, RANKS + 1):
            self.fields[f"rank_{rank}"] = forms.ChoiceField(
                label=_("Priority %(n)s") % {"n": rank},
                required=rank == 1,
                choices=[("", "—"), *Priority.choices],
            )
            if rank <= 3:
                self.fields[f"words_{rank}"] = forms.CharField(
                    label=_("Their words about priority %(n)s") % {"n": rank},
                    required=False,
                    max_length=2000,
                    validators=[validate_no_markup],
                )

    @staticmethod
    def ranking_and_words(data: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
        """The ranking, most important first, and their words, from the form's cleaned data."""
        ranking = [data[f"rank_{r}"] for r in range(1, RANKS + 1) if data.get(f"rank_{r}")]
        words = {"overall": data.get("overall", "")}
        for rank in range(1, 4):
            if data.get(f"rank_{rank}") and data.get(f"words_{rank}"):
                words[data[f"rank_{rank}"]] = data[f"words_{rank}"]
        return ranking, words


class PlanMetaForm(forms.ModelForm):
    """The plan's details (PLAN_DETAILS), checked by the model's own rules."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Plan
        fields = PLAN_DETAILS
        labels = {
            "returnee_took_part": _("The returnee took part in making the plan"),
            "returnee_agreed_on": _("The returnee agreed to it on"),
            "language": _("Language of the printed plan"),
        }
        widgets = {"returnee_agreed_on": DATE}


class SendBackForm(forms.Form):
    """A supervisor sends a submitted plan back to its author, saying what it needs (the case's
    timeline keeps the words; the notice to the author carries none)."""

    reason = forms.CharField(
        label=_("What the plan needs"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        validators=[validate_no_markup],
        error_messages={"required": PLAN.move("send_back").reason_prompt},
    )


class GoalForm(forms.Form):
    domain = forms.ChoiceField(label=_("Domain"), choices=Domain.choices)
    description = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    priorities = forms.MultipleChoiceField(
        label=_("Serves the returnee's priorities"),
        required=False,
        choices=Priority.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    description = forms.CharField(label=_("Action"), max_length=1000)
    responsible_agency = forms.ModelChoiceField(
        label=_("Responsible agency"),
        queryset=Agency.objects.filter(active=True),
        widget=forms.Select(attrs=FILTERABLE),
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)
    referral = forms.IntegerField(label=_("Linked referral"), required=False, widget=forms.Select)
    enrolment = forms.IntegerField(label=_("Linked livelihood enrolment"), required=False, widget=forms.Select)

    def __init__(
        self, *args: Any, referrals: list[tuple[int, str]], enrolments: Sequence[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_links(referrals=referrals, enrolments=enrolments)

    def set_links(
        self,
        *,
        referrals: Sequence[tuple[int, str]],
        enrolments: Sequence[tuple[int, str]] = (),
        agencies: Sequence[tuple[str, Any]] = (),
    ) -> None:
        """The case's referrals and enrolments the action may be linked to, shown by name; and the
        agencies, grouped (network.forms.agency_groups, computed once for a page of several goals)."""
        self.fields["referral"].widget.choices = [("", "—"), *referrals]  # type: ignore[attr-defined]
        self.fields["enrolment"].widget.choices = [("", "—"), *enrolments]  # type: ignore[attr-defined]
        if agencies:
            self.fields["responsible_agency"].choices = [("", "—"), *agencies]  # type: ignore[attr-defined]


INDICATOR_LABELS = {
    "income_sources": _("Number of sources of income"),
    "employment": _("Employment"),
    "debt": _("Debt outstanding"),
    "monthly_income": _("Monthly income"),
    "food_security": _("Went without enough food last month"),
    "productive_assets": _("Access to land, tools, equipment or capital"),
    "economic_satisfaction": _("Satisfaction with the economic situation (1–5)"),
    "housing": _("Housing"),
    "health_access": _("Can get health care when needed"),
    "children_education": _("School-age children in school"),
    "documentation": _("Has identity and civil documents"),
    "justice": _("Access to justice or remedy"),
    "participation": _("Takes part in community life (1–5)"),
    "belonging": _("Sense of belonging and acceptance (1–5)"),
    "stigma": _("Stigma or discrimination experienced"),
    "feeling_safe": _("Feels safe where they live (1–5)"),
    "distress": _("Signs of distress"),
    "migrate_of_necessity": _("Wishes to migrate again out of necessity"),
}
ANSWER_LABELS = {
    "none": _("none"),
    "irregular": _("irregular or informal"),
    "regular": _("regular work or business"),
    "often": _("often"),
    "sometimes": _("sometimes"),
    "never": _("never"),
    "no": _("no"),
    "partly": _("partly"),
    "yes": _("yes"),
    "temporary": _("temporary"),
    "stable": _("stable"),
    "all": _("all"),
    "not_applicable": _("no school-age children"),
    "in_process": _("in process"),
    "not_sought": _("not sought"),
    "severe": _("severe"),
    "unsure": _("unsure"),
}
# An answer whose English word reads two ways gets a label per indicator: "some" children in school
# (some of them) is not "some" signs of distress (a few signs).
INDICATOR_ANSWER_LABELS = {
    ("children_education", "some"): pgettext_lazy("children in school", "some"),
    ("distress", "some"): pgettext_lazy("signs of distress", "some"),
}
LIKERT = {"economic_satisfaction", "participation", "belonging", "feeling_safe"}


def answer_label(indicator: str, answer: str) -> str:
    """The label of one answer to one indicator, in the reader's language."""
    return str(INDICATOR_ANSWER_LABELS.get((indicator, answer)) or ANSWER_LABELS[answer])


class AssessmentForm(forms.Form):
    """One field per indicator; the scoring module decides what is in range."""

    done_on = forms.DateField(label=_("Date of the assessment"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for indicator in INDICATORS:
            code = indicator.code
            if code == "debt_to_income":
                self.fields["debt"] = forms.DecimalField(
                    label=INDICATOR_LABELS["debt"], validators=[FiniteRange(0, MAX_AMOUNT)]
                )
                self.fields["monthly_income"] = forms.DecimalField(
                    label=INDICATOR_LABELS["monthly_income"], validators=[FiniteRange(0, MAX_AMOUNT)]
                )
            elif code in LIKERT:
                self.fields[code] = forms.TypedChoiceField(
                    label=INDICATOR_LABELS[code], coerce=int, choices=[(n, str(n)) for n in range(1, 6)]
                )
            elif code == "income_sources":
                self.fields[code] = forms.IntegerField(label=INDICATOR_LABELS[code], min_value=0, max_value=20)
            else:
                self.fields[code] = forms.ChoiceField(
                    label=INDICATOR_LABELS[code], choices=[(v, answer_label(code, v)) for v in LEVELS[code]]
                )
            self.fields[code if code != "debt_to_income" else "monthly_income"].help_text = indicator.rule

    def answers(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("done_on")
        debt, income = data.pop("debt"), data.pop("monthly_income")
        data["debt_to_income"] = {"debt": float(debt), "monthly_income": float(income)}
        return data


class NotReachedForm(forms.Form):
    """A follow-up that did not reach the returnee (plans/attempts.py): the day, how, a short note."""

    on = forms.DateField(label=_("Day of the attempt"), widget=DATE, validators=[validate_not_future])
    how = forms.ChoiceField(label=_("How you tried"), choices=ContactMethod.choices)
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("For example: the phone was switched off; a neighbour said they moved away."),
        required=False,
        max_length=300,
        validators=[validate_no_markup],
    )
