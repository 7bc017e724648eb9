"""A task keeps its case's agency beside it (cases.models.Task.case_agency, decisions/0047): an agency's
tasks on its own cases are read from the task's index alone. Filled here; indexed in 0022 (on
PostgreSQL a table with the fill's deferred checks pending is not altered in the same transaction)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def agency_of_the_case(apps, schema_editor):
    Task = apps.get_model("cases", "Task")
    Case = apps.get_model("cases", "Case")
    agency = Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("agency_id")[:1])
    Task.objects.filter(case__isnull=False).update(case_agency_id=agency)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_case_list_index_covers_search"),
        ("network", "0005_agency_names_unique_in_country"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="case_agency",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.agency",
            ),
        ),
        migrations.RunPython(agency_of_the_case, migrations.RunPython.noop, elidable=False),
    ]
