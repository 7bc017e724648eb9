from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reintegra.accounts.models import User
from reintegra.network.models import Agency

from .services import caseworkers_of


class ProposeForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("Agency that takes the case"), queryset=Agency.objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("Why the case moves"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    override_reason = forms.CharField(
        label=_("Reason for transferring without consent (supervisor's decision)"),
        help_text=_("Only when no consent covers handing the whole case over."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_agency"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = Agency.objects.filter(active=True).exclude(pk=agency_id).order_by("name")


class CaseworkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        count = getattr(obj, "caseload", 0)
        return _("%(person)s · %(count)s open cases") % {"person": str(obj), "count": count}


class CaseworkerForm(forms.Form):
    """Who takes the case, each with their caseload (open cases) beside their name."""

    caseworker = CaseworkerChoiceField(
        label=_("Caseworker"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["caseworker"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = caseworkers_of(agency_id)
        field.error_messages["invalid_choice"] = _("Choose one of the caseworkers listed.")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
