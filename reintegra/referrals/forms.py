from reintegra.cases.forms import ReferralForm
from reintegra.cases.models import Case
from reintegra.network.models import Agency, Service


def referral_form_for(case: Case, data: object = None) -> ReferralForm:
    """The referral form of a case: any active agency but the case's own, and their services."""
    form = ReferralForm(data)  # type: ignore[arg-type]
    form.fields["to_agency"].queryset = Agency.objects.filter(active=True).exclude(pk=case.agency_id)  # type: ignore[attr-defined]
    form.fields["service"].queryset = (  # type: ignore[attr-defined]
        Service.objects.filter(active=True).exclude(agency_id=case.agency_id).select_related("agency")
    )
    return form
