"""The plan's agency, filled by 0010, required; the plans waiting for an agency, by its index."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("plans", "0010_plan_agency")]

    operations = [
        migrations.AlterField(
            model_name="plan",
            name="agency",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="network.agency"
            ),
        ),
        migrations.AddIndex(
            model_name="plan",
            index=models.Index(
                condition=models.Q(("status", "submitted")),
                fields=["agency", "updated_at", "id"],
                name="plan_submitted",
            ),
        ),
    ]
