"""The index of the plans waiting for approval holds who wrote and who submitted each (on PostgreSQL;
SQLite has no INCLUDE and keeps the index as it was): the queue leaves them out, and is counted from
the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0011_plan_agency_required"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="plan",
            name="plan_submitted",
        ),
        migrations.AddIndex(
            model_name="plan",
            index=models.Index(
                condition=models.Q(("status", "submitted")),
                fields=["agency", "updated_at", "id"],
                include=("author", "submitted_by"),
                name="plan_submitted",
            ),
        ),
    ]
