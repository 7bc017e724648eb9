"""The enrolment keeps its case's agency beside it (livelihoods.models.Enrolment.agency): an agency's
enrolments are read by indexes of their own. Filled here; required and indexed in 0016 (on PostgreSQL a
table with the fill's deferred checks pending is not altered in the same transaction)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def agency_of_the_case(apps, schema_editor):
    Enrolment = apps.get_model("livelihoods", "Enrolment")
    Case = apps.get_model("cases", "Case")
    Enrolment.objects.update(agency_id=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("agency_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_case_list_index_covers_search"),
        ("network", "0005_agency_names_unique_in_country"),
        ("livelihoods", "0014_enrolment_updated_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="agency",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.agency",
            ),
        ),
        migrations.RunPython(agency_of_the_case, migrations.RunPython.noop, elidable=False),
    ]
