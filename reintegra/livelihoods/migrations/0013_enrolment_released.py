"""A menu's other offers, when the person accepts one, are released rather than declined (decisions/0034).
Those declined that way before this migration are found as they were made: declined on the day another
offer of the same round was accepted, for the same person."""

from django.db import migrations, models

TAKEN = ("accepted", "enrolled", "dropped_out", "completed", "placed")


def release_menu_declines(apps, schema_editor):
    Enrolment = apps.get_model("livelihoods", "Enrolment")
    declined = Enrolment.objects.filter(status="declined", allocation_round__isnull=False)
    for enrolment in declined.iterator():
        sibling = (
            Enrolment.objects.filter(
                case_id=enrolment.case_id,
                allocation_round_id=enrolment.allocation_round_id,
                status__in=TAKEN,
                decided_on=enrolment.decided_on,
            )
            .exclude(pk=enrolment.pk)
            .exists()
        )
        if sibling:
            Enrolment.objects.filter(pk=enrolment.pk).update(status="released", decline_reason="")


class Migration(migrations.Migration):
    dependencies = [
        ("livelihoods", "0012_encrypt_employer_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enrolment",
            name="status",
            field=models.CharField(
                choices=[
                    ("recommended", "Recommended"),
                    ("offered", "Offered"),
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("enrolled", "Enrolled"),
                    ("dropped_out", "Dropped out"),
                    ("completed", "Completed"),
                    ("placed", "Placed"),
                    ("withdrawn", "Offer withdrawn"),
                    ("released", "Another option of the menu chosen"),
                ],
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(release_menu_declines, migrations.RunPython.noop),
    ]
