from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reintegra.cases.forms import ReferralForm
from reintegra.cases.models import Case
from reintegra.cases.scope import CaseAccess
from reintegra.network.forms import ServiceSelect, group_agencies, service_groups
from reintegra.network.models import Agency, Service

AUTO_ID = "referral-%s"


class CaseReferralForm(ReferralForm):
    """The referral form of one case, for one user: any active agency but the case's own, by name
    and grouped by country and type; their services grouped by agency (app.js shows those of the
    agency chosen, and the form refuses a service of another agency); the field for sending without
    consent only for a supervisor, and refused from anyone else."""

    def __init__(self, data: Any = None, *, case: Case, supervisor: bool, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", AUTO_ID)
        super().__init__(data, **kwargs)
        self.supervisor = supervisor
        agency = self.fields["to_agency"]
        assert isinstance(agency, forms.ModelChoiceField)  # noqa: S101
        agency.queryset = Agency.objects.filter(active=True).exclude(pk=case.agency_id)
        group_agencies(self, first_country=case.agency.country)
        service = self.fields["service"]
        assert isinstance(service, forms.ModelChoiceField) and isinstance(service.widget, ServiceSelect)  # noqa: S101
        service.queryset = (
            Service.objects.filter(active=True, agency__active=True)
            .exclude(agency_id=case.agency_id)
            .select_related("agency")
        )
        service.widget.attrs["data-filter-by"] = str(self.auto_id) % "to_agency"
        service.choices = [("", "—"), *service_groups(service.queryset, service.widget)]
        if not supervisor:
            del self.fields["override_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.supervisor and str(self.data.get("override_reason", "")).strip():
            raise forms.ValidationError(
                _("Only a supervisor can send a referral without consent."), code="override_not_allowed"
            )
        agency, service = data.get("to_agency"), data.get("service")
        if agency is not None and service is not None and service.agency_id != agency.pk:
            self.add_error(
                "service",
                _("“%(service)s” is a service of %(other)s, not of %(agency)s: choose one of its services, or none.")
                % {"service": service.name, "other": service.agency.display_name, "agency": agency.display_name},
            )
        return data


def referral_form_for(access: CaseAccess, data: Any = None) -> CaseReferralForm:
    """The referral form of a case, as the user holding `access` may fill it."""
    return CaseReferralForm(data, case=access.case, supervisor=access.is_supervisor)
