"""Forms only parse input; the services validate the rules and save."""

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reintegra.lib import clock, crypto, geo
from reintegra.lib.formfields import (
    CHECKLIST,
    FILTERABLE,
    AreaField,
    CountriesField,
    CountryField,
    CurrencyField,
    posted,
    real_areas,
)
from reintegra.lib.validators import validate_no_markup
from reintegra.network.forms import ServiceSelect, group_agencies
from reintegra.network.models import Agency, Service
from reintegra.referrals.choices import ReferralReason, Urgency

from .choices import ClosureReason, DataCategory, DocumentType, Gender, Stage
from .models import DOCUMENT_NUMBER_LENGTH, Consent, HistoryEvent, Returnee, ReturnJourney, choices_of

DATE = forms.DateInput(attrs={"type": "date"})


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class ReturneeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=500)
    family_name = forms.CharField(label=_("Family name"), max_length=500, required=False)
    other_names = forms.CharField(label=_("Other names or aliases"), max_length=500, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    age_at_intake = forms.IntegerField(
        label=_("Age (if the birth date is unknown)"), required=False, min_value=0, max_value=120
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=choices_of(Returnee, "gender"), initial=Gender.UNKNOWN)
    phones = forms.CharField(
        label=_("Phone numbers"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line.")
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )
    id_type = forms.ChoiceField(
        label=_("Identity document"),
        required=False,
        choices=_blank(DocumentType.choices),
    )
    id_number = forms.CharField(
        label=_("Document number"),
        required=False,
        max_length=DOCUMENT_NUMBER_LENGTH,
        validators=[validate_no_markup],
    )
    citizenships = CountriesField(
        label=_("Citizenship"), required=False, help_text=_("Tick each country the person is a citizen of.")
    )
    home_area = AreaField(
        label=_("Home area (province)"),
        required=False,
        help_text=_(
            "The province where the person lives or will live on return (type to find it); used for the figures "
            "by area of origin. The areas are those of your agency's country and of the citizenships ticked."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        required=False,
        choices=choices_of(Returnee, "languages"),
        widget=forms.CheckboxSelectMultiple,
    )
    education = forms.ChoiceField(
        label=_("Highest education"), required=False, choices=_blank(choices_of(Returnee, "education"))
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"), required=False, choices=_blank(choices_of(Returnee, "marital_status"))
    )
    children = forms.IntegerField(label=_("Number of children"), required=False, min_value=0, max_value=30)
    trafficking_status = forms.ChoiceField(
        label=_("Trafficking status"), required=False, choices=_blank(choices_of(Returnee, "trafficking_status"))
    )
    trafficking_status_decided_by = forms.ModelChoiceField(
        label=_("status decided by"), required=False, queryset=Agency.objects.filter(active=True)
    )

    def __init__(self, *args: Any, agency_country: str = "", **kwargs: Any) -> None:
        """`agency_country`: the country of the agency that keeps the case, whose areas the home area
        is chosen among (with those of the citizenships ticked)."""
        super().__init__(*args, **kwargs)
        group_agencies(self)
        self._offer_home_areas(agency_country)

    def _offer_home_areas(self, agency_country: str) -> None:
        if self.is_bound:
            citizenships = posted(self, "citizenships")
        else:
            citizenships = list(self.initial.get("citizenships") or [])
        countries = [c.upper() for c in dict.fromkeys([agency_country, *citizenships]) if c and geo.is_country(c)]
        home_area = self.fields["home_area"]
        assert isinstance(home_area, AreaField)  # noqa: S101
        home_area.set_countries(
            countries, keep=real_areas([str(self.initial.get("home_area") or ""), *posted(self, "home_area")])
        )
        # Ticking a citizenship brings that country's areas (htmx; without it, saving offers them).
        self.fields["citizenships"].widget.attrs |= {
            "hx-get": reverse("cases:home_area_options"),
            "hx-include": "[name='citizenships'], [name='home_area']",
            "hx-target": f"#{str(self.auto_id) % 'home_area'}",
            "hx-swap": "outerHTML",
            "hx-trigger": "change",
        }

    def returnee_fields(self) -> dict[str, Any]:
        """The cleaned data as the services take it: `Returnee.FIELDS` (and an intake's own fields)."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["phones"] = [p.strip() for p in data.get("phones", "").splitlines() if p.strip()]
        id_type, id_number = data.pop("id_type", ""), data.pop("id_number", "").strip()
        data["identity_documents"] = [{"type": id_type or "other", "number": id_number}] if id_number else []
        return data

    @classmethod
    def initial_from(cls, case: Any) -> dict[str, Any]:
        r = case.returnee
        initial = {name: getattr(r, name) for name in Returnee.FIELDS if name != "identity_documents"}
        doc = r.identity_documents[0] if r.identity_documents else {}
        return initial | {
            "version": case.version,
            "phones": "\n".join(r.phones),
            "id_type": doc.get("type", ""),
            "id_number": doc.get("number", ""),
            "trafficking_status_decided_by": r.trafficking_status_decided_by_id,
        }


class IntakeForm(ReturneeForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=[c for c in Stage.choices if c[0] != Stage.CLOSED])
    notes = forms.CharField(label=_("Case summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirm_new = forms.BooleanField(widget=forms.HiddenInput, required=False)


class StageForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    stage = forms.ChoiceField(label=_("Move to stage"), choices=[c for c in Stage.choices if c[0] != Stage.CLOSED])
    reason = forms.CharField(
        label=_("Reason (when going back to an earlier stage)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        # Refused beside the field even when the move keeps no reason (issue 12, hostile input).
        validators=[validate_no_markup],
    )


class HistoryForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=choices_of(HistoryEvent, "type"))
    country = CountryField(label=_("Country"))
    area = forms.CharField(label=_("Area or city"), required=False, max_length=120)
    started_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ended_on = forms.DateField(label=_("Until"), required=False, widget=DATE)
    recruitment_methods = forms.MultipleChoiceField(
        label=_("Recruitment methods"),
        required=False,
        choices=choices_of(HistoryEvent, "recruitment_methods"),
        widget=forms.CheckboxSelectMultiple,
    )
    recruiter_relation = forms.ChoiceField(
        label=_("Relation to the recruiter"),
        required=False,
        choices=_blank(choices_of(HistoryEvent, "recruiter_relation")),
    )
    exploitation_types = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        required=False,
        choices=choices_of(HistoryEvent, "exploitation_types"),
        widget=forms.CheckboxSelectMultiple,
    )
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=_blank(choices_of(HistoryEvent, "industry"))
    )
    control_means = forms.MultipleChoiceField(
        label=_("Means of control"),
        required=False,
        choices=choices_of(HistoryEvent, "control_means"),
        widget=forms.CheckboxSelectMultiple,
    )
    duration_months = forms.IntegerField(label=_("Duration (months)"), required=False, min_value=0, max_value=600)
    debt_amount = forms.DecimalField(label=_("Debt owed on return"), required=False, max_digits=12, decimal_places=2)
    debt_currency = CurrencyField(label=_("Currency of the debt"), required=False)
    creditor = forms.CharField(label=_("Creditor"), required=False, max_length=120)


class ReturnForm(forms.Form):
    country_from = CountryField(label=_("Returned from"))
    returned_on = forms.DateField(label=_("Date of return"), widget=DATE)
    return_type = forms.ChoiceField(label=_("Type of return"), choices=choices_of(ReturnJourney, "return_type"))
    assisting_agencies = forms.ModelMultipleChoiceField(
        label=_("Assisted by"),
        required=False,
        queryset=Agency.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple(attrs=CHECKLIST),
    )
    documents_issued = forms.CharField(label=_("Documents issued"), required=False, max_length=300)
    point_of_arrival = forms.CharField(label=_("Point of arrival"), required=False, max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_agencies(self)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=choices_of(Consent, "purpose"))
    recipient_agency = forms.ModelChoiceField(
        label=_("Shared with agency"), required=False, queryset=Agency.objects.filter(active=True)
    )
    recipient_agency_type = forms.ChoiceField(
        label=_("or any agency of type"), required=False, choices=_blank(choices_of(Consent, "recipient_agency_type"))
    )
    categories = forms.MultipleChoiceField(
        label=_("Data that may be shared"),
        required=False,
        choices=choices_of(Consent, "categories"),
        widget=forms.CheckboxSelectMultiple,
    )
    given_on = forms.DateField(label=_("Given on"), widget=DATE, initial=clock.today)
    language = forms.ChoiceField(label=_("Language used"), choices=choices_of(Consent, "language"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_agencies(self)


class ReferralForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("To agency"), queryset=Agency.objects.filter(active=True), widget=forms.Select(attrs=FILTERABLE)
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        required=False,
        queryset=Service.objects.filter(active=True).select_related("agency"),
        widget=ServiceSelect,
        help_text=_("The services of the agency chosen above."),
    )
    reasons = forms.MultipleChoiceField(
        label=_("Reasons"), required=False, choices=ReferralReason.choices, widget=forms.CheckboxSelectMultiple
    )
    reason_text = forms.CharField(label=_("Reason, in words"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    categories = forms.MultipleChoiceField(
        label=_("Data to share"), required=False, choices=DataCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    override_reason = forms.CharField(
        label=_("Supervisors only: reason for sending without consent"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_no_markup],
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    is_follow_up = forms.BooleanField(label=_("Follow-up with the returnee"), required=False)


class ClosureDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve closure")), ("0", _("Do not approve"))],
        coerce=lambda v: v == "1",
    )


REGULAR_CHOICES = [
    ("", _("Not known")),
    ("yes", _("Yes, through regular channels (a work contract, a visa)")),
    ("no", _("No, not through regular channels")),
]


class RemigrationForm(forms.Form):
    """A move abroad again: where to, whether through regular channels, when."""

    country = CountryField(label=_("Destination country"))
    regular = forms.TypedChoiceField(
        label=_("Through regular channels?"),
        choices=REGULAR_CHOICES,
        required=False,
        coerce=lambda v: v == "yes",
        empty_value=None,
    )
    left_on = forms.DateField(label=_("Left on (if known)"), widget=DATE, required=False)


class ClosureRequestForm(forms.Form):
    """A closure request: why (a reason of the IOM guidance) and in words; a move abroad again is
    recorded with it unless the case already has one."""

    reason_code = forms.ChoiceField(label=_("Why is the case closed?"), choices=[("", "—"), *ClosureReason.choices])
    reason = forms.CharField(label=_("In your words"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    country = CountryField(
        label=_("Destination country"),
        required=False,
        help_text=_("Only when the returnee moved abroad again, if it is not recorded yet."),
    )
    regular = RemigrationForm.base_fields["regular"]
    left_on = forms.DateField(label=_("Left on (if known)"), widget=DATE, required=False)


class ErasureDecisionForm(forms.Form):
    confirm = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Confirm erasure")), ("0", _("Do not erase"))],
        coerce=lambda v: v == "1",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class SearchForm(forms.Form):
    """The list's filters: nothing personal, so they may stay in the address."""

    q = forms.CharField(label=_("Case code"), required=False, max_length=20)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Open cases"))] + Stage.choices)


class IdentitySearchForm(forms.Form):
    """A search for a person, sent by POST: a name or a phone number never goes into an address."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("Any of the person's names: whole words, or the first four letters or more of a word."),
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name and not crypto.name_words(name):
            raise forms.ValidationError(_("Give at least one word of the name."), code="name")
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not crypto.phone_key(phone):
            raise forms.ValidationError(_("A phone number needs at least 7 digits."), code="phone")
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("name") or data.get("phone")):
            raise forms.ValidationError(_("Give a name or a phone number to search for."), code="empty")
        return data


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo (JPEG or PNG)"), error_messages={"required": _("Choose a photo to upload.")})
