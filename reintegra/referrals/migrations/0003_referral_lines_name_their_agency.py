"""The referral lines written before `CaseEvent.referred_to` existed get the agency their referral went to
(issue 12): a line written by the receiving agency names it as its author; a line written by the sending
agency is matched by the English name it shows against the case's referrals. A line matched by neither
stays without one, and is then shown to the case's own agency only."""

from django.db import migrations


def name_the_agency(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Referral = apps.get_model("referrals", "Referral")
    lines = CaseEvent.objects.filter(kind="referral", referred_to__isnull=True).select_related("case")
    for line in lines.iterator():
        to_agencies = {
            r.to_agency_id: r.to_agency.name
            for r in Referral.objects.filter(case_id=line.case_id).select_related("to_agency")
        }
        agency_id = None
        if line.agency_id in to_agencies and line.agency_id != line.case.agency_id:
            agency_id = line.agency_id
        else:
            shown = ((line.params or {}).get("agency") or {}).get("names", {}).get("en")
            matches = [pk for pk, name in to_agencies.items() if name == shown]
            if len(matches) == 1:
                agency_id = matches[0]
        if agency_id is not None:
            CaseEvent.objects.filter(pk=line.pk).update(referred_to_id=agency_id)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_referral_line_agency"),
        ("referrals", "0002_referral_rules_on_the_model"),
    ]

    operations = [migrations.RunPython(name_the_agency, migrations.RunPython.noop)]
