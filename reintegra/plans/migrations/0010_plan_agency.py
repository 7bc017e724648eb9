"""The plan keeps its case's agency beside it (plans.models.Plan.agency): the plans waiting for an
agency's supervisors are read by an index of their own, oldest first. Filled here; required and
indexed in 0011 (on PostgreSQL a table with the fill's deferred checks pending is not altered in the
same transaction)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def agency_of_the_case(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    Case = apps.get_model("cases", "Case")
    Plan.objects.update(agency_id=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("agency_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_caseload_indexes"),
        ("network", "0005_agency_names_unique_in_country"),
        ("plans", "0009_contact_attempt"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="plan", name="plan_submitted"),
        migrations.AddField(
            model_name="plan",
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
