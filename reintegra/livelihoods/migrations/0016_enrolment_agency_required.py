"""The enrolment's agency, filled by 0015, required; an agency's newest enrolments and its trainings
completed without a placement, by their indexes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("livelihoods", "0015_enrolment_agency")]

    operations = [
        migrations.AlterField(
            model_name="enrolment",
            name="agency",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="network.agency"
            ),
        ),
        migrations.AddIndex(
            model_name="enrolment",
            index=models.Index(fields=["agency", "updated_at", "id"], name="enrolment_agency_updated"),
        ),
        migrations.AddIndex(
            model_name="enrolment",
            index=models.Index(
                condition=models.Q(("status", "completed")),
                fields=["agency", "ended_on"],
                name="enrolment_agency_completed",
            ),
        ),
    ]
